/**
 * The real server with its images in an S3 bucket (s3rver): an admin upload shows in the gallery with
 * thumbnails served by redirect to a signed URL (or proxied), and a delete (to the trash, then purged)
 * removes every object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createTrashService, type TrashService } from '@waifudex/core/services/trash.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startS3TestServer, type S3TestServer } from '@waifudex/core/testing/s3-test-server';
import { createS3ImageStore } from '@waifudex/core/storage/s3-image-store';
import { pathsFor, type ImageStore } from '@waifudex/core/services/image-store';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { requireAdmin } from './middleware/auth.js';
import { adminCharacterRoutes } from './routes/admin-characters.routes.js';

let s3: S3TestServer;
let store: ImageStore;
let trash: TrashService;
let redirect: TestServer;
let proxy: TestServer;

async function objectKeys(): Promise<string[]> {
  const out: string[] = [];
  for (const top of ['originals/', 'thumbs/']) for await (const o of store.list(top)) out.push(o.key);
  return out.sort();
}
async function login(s: TestServer) {
  await s.auth.setAdminPassword('admin', 'correct horse');
  const res = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
  });
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: (await res.json()).csrf_token as string };
}

beforeAll(async () => {
  s3 = await startS3TestServer();
  store = createS3ImageStore(s3.config(`site-${crypto.randomBytes(3).toString('hex')}`));
  const origin = new URL(s3.endpoint).origin;
  [redirect, proxy] = await Promise.all([
    startTestServer({
      app: { images: store, imageServe: 'redirect', imageOrigins: [origin] },
      routers: ({ db }) => {
        trash = createTrashService({ db, images: store, retentionDays: 30 });
        return [
          adminCharacterRoutes({
            db,
            images: store,
            requireAdmin,
            trash,
            ingest: createIngestService({ db, images: store, logger: testLogger }),
          }),
        ];
      },
    }),
    startTestServer({ app: { images: store, imageServe: 'proxy' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([redirect?.close(), proxy?.close()]);
  await s3?.close();
});

describe('images in S3 through the server', () => {
  it('upload → gallery (thumbnails by signed redirect) → delete leaves no object behind', async () => {
    const { cookie, csrf } = await login(redirect);
    const fd = new FormData();
    fd.append('caption', 'Name: Bucket Girl\nAnime: Object Storage\nID: 77');
    fd.append(
      'image',
      new Blob([new Uint8Array(await generateDemoImage(7, 'Bucket Girl'))], { type: 'image/jpeg' }),
      'upload.jpg',
    );
    const up = await fetch(`${redirect.url}/api/v1/admin/characters`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
      body: fd,
    });
    expect(up.status).toBe(201);
    const id = (await up.json()).character.id as string;
    expect(await objectKeys()).toHaveLength(4); // original + 240, 480, 600 px

    const list = await (await fetch(`${redirect.url}/api/v1/characters?q=bucket`)).json();
    const art = list.items.find((c: { id: string }) => c.id === id).artwork;
    expect(art.thumbs.map((t: { width: number }) => t.width)).toEqual([240, 480, 600]);
    for (const u of [art.url, art.thumb_url, ...art.thumbs.map((t: { url: string }) => t.url)]) {
      const r = await fetch(`${redirect.url}${u}`, { redirect: 'manual' });
      expect(r.status).toBe(302);
      expect(r.headers.get('cache-control')).toBe('public, max-age=86400');
      const loc = r.headers.get('location')!;
      expect(loc.startsWith(s3.endpoint)).toBe(true);
      const img = await fetch(loc);
      expect(img.status).toBe(200);
      expect(img.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(img.headers.get('content-type')).toMatch(/^image\/(jpeg|webp)$/);
    }
    // the page's CSP lets the browser load from the bucket
    const csp = (await fetch(`${redirect.url}/api/v1/health`)).headers.get('content-security-policy')!;
    expect(csp).toMatch(new RegExp(`img-src [^;]*${s3.endpoint.replace(/[.:/]/g, '\\$&')}`));

    const del = await fetch(`${redirect.url}/api/v1/admin/characters/${id}`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ id, name: 'Bucket Girl' });
    expect((await fetch(`${redirect.url}/api/v1/characters/${id}`)).status).toBe(404);
    expect(await objectKeys()).toHaveLength(4); // in the trash: kept for undo
    expect(await trash.purge(new Date(Date.now() + 29 * 86_400_000))).toMatchObject({ characters: 0, files: 0 });
    expect(await objectKeys()).toHaveLength(4);
    expect(await trash.purge(new Date(Date.now() + 31 * 86_400_000))).toEqual({ characters: 1, artworks: 1, files: 4 });
    expect(await objectKeys()).toEqual([]);
  });

  it('S3_SERVE=proxy streams objects with year-long cache headers and answers a revalidation with 304', async () => {
    const bytes = await generateDemoImage(8, 'proxied');
    const key = pathsFor(crypto.createHash('sha256').update(bytes).digest('hex'), 'jpg').filePath;
    await store.put(key, bytes, 'image/jpeg');
    const r = await fetch(`${proxy.url}/images/${key}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await r.arrayBuffer()).equals(bytes)).toBe(true);
    const again = await fetch(`${proxy.url}/images/${key}`, { headers: { 'if-none-match': r.headers.get('etag')! } });
    expect(again.status).toBe(304);
    await store.remove([key]);
    expect((await fetch(`${proxy.url}/images/${key}`)).status).toBe(404);
  });

  it.each([
    ['originals/../../secret', 404],
    ['originals/ab/not-a-hash.jpg', 404],
    ['thumbs/', 404],
    ['%E0%A4%A', 400], // not decodable: Express refuses it before any route
  ])('refuses %s with a 4xx in both modes, never asking the bucket', async (p, status) => {
    for (const s of [redirect, proxy]) {
      const r = await fetch(`${s.url}/images/${p}`, { redirect: 'manual' });
      expect(r.status).toBe(status);
    }
  });

  it('a bucket that does not answer gives a 503, not a hang or a 500', { timeout: 30_000 }, async () => {
    const down = await startTestServer({
      app: { images: createS3ImageStore({ ...s3.config('x'), endpoint: 'http://127.0.0.1:9' }), imageServe: 'proxy' },
    });
    try {
      const r = await fetch(`${down.url}/images/${pathsFor('a'.repeat(64), 'jpg').filePath}`);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
    } finally {
      await down.close();
    }
  });
});
