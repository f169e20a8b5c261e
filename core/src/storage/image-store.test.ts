/** The one storage contract, on both implementations: a local folder and an S3 bucket (s3rver). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createLocalImageStore } from './local-image-store.js';
import { createS3ImageStore } from './s3-image-store.js';
import { startS3TestServer, type S3TestServer } from '../testing/s3-test-server.js';
import { pathsFor, thumbKey, type ImageStore } from '../services/image-store.js';

let s3: S3TestServer;
const dirs: string[] = [];
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const original = (bytes: Buffer) => pathsFor(sha(bytes), 'jpg').filePath;
async function keysOf(store: ImageStore, prefix: string) {
  const out: { key: string; size: number }[] = [];
  for await (const o of store.list(prefix)) out.push({ key: o.key, size: o.size });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

const stores: Array<[string, () => ImageStore]> = [
  [
    'local folder',
    () => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-store-'));
      dirs.push(d);
      return createLocalImageStore(d);
    },
  ],
  // (s3rver's continuation tokens need DES, which OpenSSL 3 no longer has: S3 paging is left to MinIO's test)
  ['S3 bucket', () => createS3ImageStore(s3.config(`p${crypto.randomBytes(3).toString('hex')}/images`))],
];

describe.each(stores)('image store: %s', (_name, make) => {
  it('puts, reads, streams, lists and removes objects by key', async () => {
    const store = make();
    const a = Buffer.from('first image bytes');
    const b = crypto.randomBytes(5000);
    const ka = original(a);
    const kb = original(b);
    const kt = thumbKey(sha(a), 240);
    expect(await store.exists(ka)).toBe(false);
    expect(await store.get(ka)).toBeNull();
    expect(await store.open(ka)).toBeNull();
    await store.put(ka, a, 'image/jpeg');
    await store.put(kb, b, 'image/jpeg');
    await store.put(kt, Buffer.from('thumb'), 'image/webp');
    expect(await store.exists(ka)).toBe(true);
    expect((await store.get(kb))!.equals(b)).toBe(true);
    const o = (await store.open(ka))!;
    expect(o.size).toBe(a.length);
    expect(o.contentType).toBe('image/jpeg');
    const chunks: Buffer[] = [];
    for await (const c of o.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(a)).toBe(true);

    // same key = same content: a second put never overwrites
    await store.put(ka, Buffer.from('something else'), 'image/jpeg');
    expect((await store.get(ka))!.equals(a)).toBe(true);

    expect(await keysOf(store, 'originals/')).toEqual(
      [
        { key: ka, size: a.length },
        { key: kb, size: b.length },
      ].sort((x, y) => x.key.localeCompare(y.key)),
    );
    expect(await keysOf(store, 'thumbs/')).toEqual([{ key: kt, size: 5 }]);
    for await (const x of store.list('originals/')) expect(Date.now() - x.modifiedAt.getTime()).toBeLessThan(120_000);

    await store.remove([ka, thumbKey(sha(b), 480)]); // a missing key is ignored
    expect(await store.exists(ka)).toBe(false);
    expect((await keysOf(store, 'originals/')).map((x) => x.key)).toEqual([kb]);
    await store.close?.();
  });

  it('lists every object of a prefix and nothing of another', async () => {
    const store = make();
    await store.put(thumbKey(sha(Buffer.from('t')), 480), Buffer.from('t'), 'image/webp');
    const keys = [];
    for (let i = 0; i < 7; i++) {
      const bytes = Buffer.from(`image ${i}`);
      keys.push(original(bytes));
      await store.put(original(bytes), bytes, 'image/jpeg');
    }
    expect((await keysOf(store, 'originals/')).map((x) => x.key)).toEqual(keys.sort());
  });
});

describe('local folder store', () => {
  it('refuses keys that would leave its folder, and has no signed URLs', async () => {
    const store = stores[0]![1]();
    await expect(store.put('../escape.jpg', Buffer.from('x'), 'image/jpeg')).rejects.toThrow(/escapes/);
    await expect(store.get('originals/../../etc/passwd')).rejects.toThrow(/escapes/);
    expect(await store.signedUrl(original(Buffer.from('x')))).toBeNull();
  });
});

describe('S3 store', () => {
  it('signs URLs that a browser can load with year-long cache headers, stable within a day', async () => {
    const store = createS3ImageStore(s3.config('signed'));
    const bytes = crypto.randomBytes(300);
    const key = original(bytes);
    await store.put(key, bytes, 'image/jpeg');
    const url = (await store.signedUrl(key))!;
    expect(url.startsWith(`${s3.endpoint}/waifudex-test/signed/${key}?`)).toBe(true);
    expect(await store.signedUrl(key)).toBe(url); // same URL all day: browsers reuse their cached copy
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await r.arrayBuffer()).equals(bytes)).toBe(true);
    await store.close?.();
  });

  it(
    'fails with an error when the service is unreachable instead of pretending to store',
    { timeout: 30_000 },
    async () => {
      const store = createS3ImageStore({ ...s3.config('down'), endpoint: 'http://127.0.0.1:9' });
      await expect(store.put(original(Buffer.from('y')), Buffer.from('y'), 'image/jpeg')).rejects.toThrow();
      await expect(store.get(original(Buffer.from('y')))).rejects.toThrow();
      await store.close?.();
    },
  );
});
