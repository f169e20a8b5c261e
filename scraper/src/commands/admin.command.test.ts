import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { loadConfig } from '@waifudex/core/config/env';
import { createAuthService } from '@waifudex/core/services/auth.service';
import { createTestEnv, type TestEnv } from '../testing/test-env.js';
import admin from './admin.command.js';
import type { CommandContext } from '../context.js';

let env: TestEnv;
let ctx: CommandContext;
const stdin = (text: string) => Readable.from([text]);

beforeAll(async () => {
  env = await createTestEnv();
  ctx = {
    config: loadConfig({}),
    db: env.db,
    logger: env.logger,
    ingest: env.ingest,
    images: createLocalImageStore(env.imagesDir),
    progress: process.stderr,
  };
});
afterAll(() => env?.close());

describe('admin set-password', () => {
  it('keeps the piped password exactly as typed (no silent trim)', async () => {
    await admin(['set-password', 'admin'], ctx, stdin('  spaced pass  \n'));
    const auth = createAuthService({ db: env.db });
    expect(await auth.login('admin', '  spaced pass  ')).not.toBeNull();
    expect(await auth.login('admin', 'spaced pass')).toBeNull();
  });

  it('a mistyped username does not quietly create a second admin', async () => {
    await expect(admin(['set-password', 'admni'], ctx, stdin('another password\n'))).rejects.toThrow(/--create/);
    expect(await createAuthService({ db: env.db }).countAdmins()).toBe(1);
    await admin(['set-password', 'second', '--create'], ctx, stdin('another password\n'));
    expect(await createAuthService({ db: env.db }).countAdmins()).toBe(2);
  });
});
