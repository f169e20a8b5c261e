/**
 * The built server started as an operator would, with IMAGES_STORE=s3://… (s3rver) and a real database:
 * an admin upload lands in the bucket, the gallery's images redirect there (allowed by the CSP), and the
 * secret key never shows in the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createTestDatabase } from '@waifudex/core/testing/test-db';
import { startS3TestServer, type S3TestServer } from '@waifudex/core/testing/s3-test-server';
import { createS3ImageStore } from '@waifudex/core/storage/s3-image-store';
import { requireBuilt } from '@waifudex/core/testing/require-build';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// s3rver does not check signatures, so a distinct secret works and can be looked for in the logs
const SECRET = 'never-logged-secret-4711';

requireBuilt(main);

describe('server with IMAGES_STORE=s3://', () => {
  let s3: S3TestServer;
  let drop: () => Promise<void>;
  let child: ChildProcess;
  let url = '';
  let output = '';
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-s3-start-'));

  beforeAll(async () => {
    s3 = await startS3TestServer();
    const dbase = await createTestDatabase();
    drop = dbase.drop;
    child = spawn(process.execPath, [main], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: dbase.url,
        DATA_DIR: path.join(cwd, 'data'),
        IMAGES_DIR: path.join(cwd, 'images-unused'),
        IMAGES_STORE: 's3://waifudex-test/live/images',
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: SECRET,
        S3_FORCE_PATH_STYLE: 'true',
        ADMIN_PASSWORD: 'correct horse battery',
        EMBEDDED_WORKER: 'false',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    const onData = (b: Buffer) => (output += b.toString());
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + 60_000;
    while (!url && Date.now() < deadline) {
      const m = /"port":(\d+)/.exec(output);
      if (m) url = `http://127.0.0.1:${m[1]}`;
      else await new Promise((r) => setTimeout(r, 200));
    }
    if (!url) throw new Error(`the server did not start:\n${output}`);
  }, 90_000);
  afterAll(async () => {
    child?.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
    await drop?.();
    await s3?.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it(
    'stores an upload in the bucket and serves it by redirect; nothing goes to IMAGES_DIR',
    { timeout: 60_000 },
    async () => {
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = (await login.json()).csrf_token as string;
      const fd = new FormData();
      fd.append('caption', 'Name: Live Bucket\nID: 9');
      fd.append(
        'image',
        new Blob([new Uint8Array(await generateDemoImage(9, 'Live'))], { type: 'image/jpeg' }),
        'live.jpg',
      );
      const up = await fetch(`${url}/api/v1/admin/characters`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf },
        body: fd,
      });
      expect(up.status).toBe(201);
      const art = (await up.json()).character.artworks[0];

      const r = await fetch(`${url}${art.thumbs[0].url}`, { redirect: 'manual' });
      expect(r.status).toBe(302);
      expect(r.headers.get('location')!.startsWith(`${s3.endpoint}/waifudex-test/live/images/thumbs/`)).toBe(true);
      expect((await fetch(r.headers.get('location')!)).headers.get('content-type')).toBe('image/webp');
      expect(r.headers.get('content-security-policy')).toContain(`img-src 'self' data: blob: ${s3.endpoint}`);

      const bucket = createS3ImageStore(s3.config('live/images'));
      const keys: string[] = [];
      for await (const o of bucket.list('originals/')) keys.push(o.key);
      expect(keys).toEqual([art.url.replace('/images/', '')]);
      expect(fs.existsSync(path.join(cwd, 'images-unused'))).toBe(false);
      expect(output).toContain('s3://waifudex-test/live/images');
      expect(output).not.toContain(SECRET);
    },
  );
});
