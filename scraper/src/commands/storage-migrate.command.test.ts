/** `npm run storage:migrate` both ways between IMAGES_DIR and an S3 bucket (s3rver). */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { loadConfig } from '@waifudex/core/config/env';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { startS3TestServer, type S3TestServer } from '@waifudex/core/testing/s3-test-server';
import { createS3ImageStore } from '@waifudex/core/storage/s3-image-store';
import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import { createTestEnv, verifyFiles, type TestEnv } from '../testing/test-env.js';
import type { CommandContext } from '../context.js';
import storageMigrate from './storage-migrate.command.js';
import { UserError } from '@waifudex/core/errors';

let env: TestEnv;
let s3: S3TestServer;
const prefix = `migrate-${crypto.randomBytes(3).toString('hex')}`;
beforeAll(async () => {
  [env, s3] = await Promise.all([createTestEnv(), startS3TestServer()]);
  for (let i = 0; i < 3; i++)
    await env.ingest.ingestImage({ bytes: await generateDemoImage(40 + i, `M${i}`), caption: `Name: Migrated ${i}` });
});
afterAll(async () => {
  await env?.close();
  await s3?.close();
});

const lines: string[] = [];
const ctx = (): CommandContext => ({
  config: {
    ...loadConfig({ IMAGES_DIR: env.imagesDir }),
    imageStore: { kind: 's3', s3: s3.config(prefix), serve: 'redirect' },
  },
  db: env.db,
  logger: env.logger,
  ingest: env.ingest,
  images: createLocalImageStore(env.imagesDir),
  progress: { isTTY: false, write: (s: string) => void lines.push(s) } as unknown as NodeJS.WriteStream,
});
async function run(args: string[]) {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await storageMigrate(args, ctx());
    return JSON.parse(String(log.mock.calls.at(-1)![0])) as {
      copied: number;
      alreadyThere: number;
      failed: number;
      missing: number;
      to: string;
    };
  } finally {
    log.mockRestore();
  }
}
const localCount = () =>
  fs.readdirSync(env.imagesDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;

describe('storage:migrate', () => {
  it('copies IMAGES_DIR to the bucket, then a second run has nothing to copy', async () => {
    const n = localCount();
    expect(n).toBe(12); // 3 originals + 3 × (240, 480, 600 px)
    expect(await run(['--from', 'local', '--to', 's3'])).toMatchObject({
      copied: n,
      alreadyThere: 0,
      failed: 0,
      missing: 0,
      to: expect.stringContaining(`s3://waifudex-test/${prefix}`),
    });
    expect(await run(['--from', 'local', '--to', 's3'])).toMatchObject({ copied: 0, alreadyThere: n });
    const bucket = createS3ImageStore(s3.config(prefix));
    let inBucket = 0;
    for (const top of ['originals/', 'thumbs/']) for await (const _ of bucket.list(top)) inBucket++;
    expect(inBucket).toBe(n);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('copies the bucket back into an empty IMAGES_DIR, every original matching its row', async () => {
    const n = localCount();
    fs.rmSync(env.imagesDir, { recursive: true, force: true });
    fs.mkdirSync(env.imagesDir);
    expect(await run(['--from', 's3', '--to', 'local'])).toMatchObject({
      copied: n,
      alreadyThere: 0,
      failed: 0,
      missing: 0,
    });
    expect(localCount()).toBe(n);
    expect(await verifyFiles(env)).toBe(3);
  });

  it.each([
    [[]],
    [['--from', 'local', '--to', 'local']],
    [['--from', 'ftp', '--to', 's3']],
    [['--bogus']],
    [['--from', 'local', '--to', 's3', '--concurrency', '0']],
  ])('refuses %j with one line and copies nothing', async (args) => {
    const err: unknown = await storageMigrate(args, ctx()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/--from|--to|--concurrency|unknown option/);
  });
});
