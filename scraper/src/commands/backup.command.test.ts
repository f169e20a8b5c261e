/**
 * The backup and restore commands as an operator runs them (the built CLI, a real database): an archive
 * to a file and through stdout/stdin, one-line refusals with exit code 1, and leftovers of killed runs
 * (half-written archive, staging folder) removed by the next run; with IMAGES_STORE=s3://… the objects
 * are read from one bucket prefix and restored into another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '@waifudex/core/db/database';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createTestDatabase, testLogger } from '@waifudex/core/testing/test-db';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { startS3TestServer } from '@waifudex/core/testing/s3-test-server';
import { createS3ImageStore } from '@waifudex/core/storage/s3-image-store';
import type { ImageStore } from '@waifudex/core/services/image-store';
import { requireBuilt } from '@waifudex/core/testing/require-build';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
requireBuilt(main);

/** A pid that no process can have (above Linux's largest pid_max). */
const DEAD_PID = 4_194_305;

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>, stdin?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: env.DATA_DIR,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(stdin);
  });
}

describe('npm run backup / npm run restore', () => {
  const dbs: Array<{ url: string; drop: () => Promise<void> }> = [];
  let source: Db;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-backup-cli-'));
  const env = (name: string, url: string) => {
    fs.mkdirSync(path.join(work, name, 'data'), { recursive: true });
    return { DATABASE_URL: url, DATA_DIR: path.join(work, name, 'data'), IMAGES_DIR: path.join(work, name, 'images') };
  };
  let from: Record<string, string>;
  let into: Record<string, string>;
  let intoToo: Record<string, string>;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) dbs.push(await createTestDatabase());
    from = env('from', dbs[0]!.url);
    into = env('into', dbs[1]!.url);
    intoToo = env('into-too', dbs[2]!.url);
    source = await openDatabase({ databaseUrl: from.DATABASE_URL, dataDir: from.DATA_DIR!, logger: testLogger });
    const ingest = createIngestService({ db: source, imagesDir: from.IMAGES_DIR!, logger: testLogger });
    for (let i = 0; i < 4; i++)
      await ingest.ingestImage({
        bytes: await generateDemoImage(i, `cli${i}`),
        caption: `Name: Cli ${i}\nAnime: Backups`,
      });
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    for (const d of dbs) await d.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('backs up to a file, restores it into an empty install, and refuses a second restore', async () => {
    const file = path.join(work, 'gallery.tar.gz');
    fs.writeFileSync(`${file}.partial-${DEAD_PID}`, 'half an archive of a killed backup');
    const b = await cli(['backup', '--out', file], from);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout.toString())).toMatchObject({
      archive: file,
      characters: 4,
      artworks: 4,
      files: 16,
      missingFiles: 0,
    });
    expect(fs.readdirSync(work).filter((f) => f.startsWith('gallery.tar.gz'))).toEqual(['gallery.tar.gz']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    fs.mkdirSync(path.join(into.IMAGES_DIR!, `.restore-${DEAD_PID}-abcd`, 'images'), { recursive: true });
    const r = await cli(['restore', file], into);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ characters: 4, artworks: 4, files: 16 });
    expect(fs.readdirSync(into.IMAGES_DIR!).sort()).toEqual(['originals', 'thumbs']);

    const again = await cli(['restore', file], into);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: this install already holds a gallery \(4 characters, 4 artworks\)/),
    ]);
  }, 120_000);

  it('streams through stdout and stdin; logs stay off stdout', async () => {
    const b = await cli(['backup', '--out', '-'], from);
    expect(b.code, b.stderr).toBe(0);
    expect([...b.stdout.subarray(0, 2)]).toEqual([0x1f, 0x8b]); // nothing but the gzip stream
    expect(b.stderr).toMatch(/backup: 4 characters, 4 artworks, 16 files/);
    const r = await cli(['restore', '-'], intoToo, b.stdout);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ restored: '-', characters: 4 });
  }, 120_000);

  it('bad archives end with one line and exit code 1; usage mistakes with exit code 2', async () => {
    const junk = path.join(work, 'junk.tar.gz');
    fs.writeFileSync(junk, 'this is not an archive');
    for (const [args, code, message] of [
      [['restore'], 2, /^error: missing required argument 'archive'/],
      [['restore', path.join(work, 'missing.tar')], 1, /^error: cannot read .*missing\.tar/],
      [['restore', junk], 1, /^error: not a usable Waifudex backup: .*nothing was changed$/],
      [['backup', '--bogus'], 2, /^error: unknown option '--bogus'/],
    ] as const) {
      const r = await cli([...args], intoToo);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n')[0], args.join(' ')).toMatch(message);
    }
  }, 120_000);

  it('a file missing from IMAGES_DIR: the archive is written, listed as missing, exit code 1', async () => {
    const thumbs = path.join(from.IMAGES_DIR!, 'thumbs');
    const shard = fs.readdirSync(thumbs)[0]!;
    const gone = fs.readdirSync(path.join(thumbs, shard))[0]!;
    fs.rmSync(path.join(thumbs, shard, gone));
    const file = path.join(work, 'incomplete.tar.gz');
    const b = await cli(['backup', '--out', file], from);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^warning: 1 files the gallery references were not in IMAGES_DIR \(first: thumbs\//m);
    expect(JSON.parse(b.stdout.toString())).toMatchObject({ files: 15, missingFiles: 1 });
  }, 120_000);

  it('IMAGES_STORE=s3://…: the backup reads the bucket and the restore writes into the configured one', async () => {
    const s3 = await startS3TestServer();
    const [a, b] = [await createTestDatabase(), await createTestDatabase()];
    dbs.push(a, b);
    const db = await openDatabase({ databaseUrl: a.url, dataDir: from.DATA_DIR!, logger: testLogger });
    const source = createS3ImageStore(s3.config('cli-source'));
    const target = createS3ImageStore(s3.config('cli-target'));
    const keys = async (store: ImageStore) => {
      const out: Array<[string, number]> = [];
      for (const top of ['originals/', 'thumbs/']) for await (const o of store.list(top)) out.push([o.key, o.size]);
      return out.sort((x, y) => x[0].localeCompare(y[0]));
    };
    const s3env = (prefix: string, url: string, name: string) => ({
      ...env(name, url),
      IMAGES_STORE: `s3://waifudex-test/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    });
    try {
      const ingest = createIngestService({ db, images: source, logger: testLogger });
      for (let i = 0; i < 2; i++)
        await ingest.ingestImage({
          bytes: await generateDemoImage(20 + i, `s3 ${i}`),
          caption: `Name: Bucket ${i}\nAnime: Backups`,
        });
      const file = path.join(work, 's3.tar.gz');
      const bk = await cli(['backup', '--out', file], s3env('cli-source', a.url, 's3-from'));
      expect(bk.code, bk.stderr).toBe(0);
      expect(JSON.parse(bk.stdout.toString())).toMatchObject({ artworks: 2, files: 8, missingFiles: 0 });
      const r = await cli(['restore', file], s3env('cli-target', b.url, 's3-into'));
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.toString())).toMatchObject({ artworks: 2, files: 8 });
      expect(await keys(target)).toEqual(await keys(source));
      expect(await keys(target)).toHaveLength(8);
      expect(fs.existsSync(path.join(work, 's3-into', 'images'))).toBe(false); // nothing went to IMAGES_DIR
    } finally {
      await db.close();
      await Promise.all([source.close?.(), target.close?.()]);
      await s3.close();
    }
  }, 120_000);
});
