import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { sessionIdOf } from '@waifudex/core/services/auth.service';
import { startTestServer, type TestServer } from './testing/test-server.js';

let s: TestServer;
const get = (p: string, init?: RequestInit) => fetch(`${s.url}${p}`, init);

beforeAll(async () => {
  s = await startTestServer();
  const seeds: Array<[string, string]> = [
    ['Nico Robin', 'One Piece'],
    ['Mikasa Ackerman', 'Attack on Titan'],
    ['Rem', 'Re:Zero'],
  ];
  for (const [i, [name, anime]] of seeds.entries()) {
    await s.ingest.ingestImage({
      bytes: await generateDemoImage(i, name),
      caption: `🌸 Name: ${name}\n📺 Anime: ${anime}\n🟡 Rarity: Legendary\n🆔 ${100 + i}`,
    });
  }
});
afterAll(async () => s?.close());

describe('gallery API', () => {
  it('answers health with ok only; the details are for the admin', async () => {
    const res = await get('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    await s.auth.setAdminPassword('health-admin', 'correct horse');
    const login = await get('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'health-admin', password: 'correct horse' }),
    });
    const cookie = /wdx_session=[^;]+/.exec(login.headers.get('set-cookie')!)![0];
    expect(await (await get('/api/health', { headers: { cookie } })).json()).toMatchObject({
      status: 'ok',
      characters: 3,
      version: 'test',
    });
  });

  it('pages newest first within bounds', async () => {
    const p1 = await (await get('/api/v1/characters?per_page=2')).json();
    expect(p1).toMatchObject({ page: 1, per_page: 2, total: 3, total_pages: 2 });
    expect(p1.items.map((c: any) => c.name)).toEqual(['Rem', 'Mikasa Ackerman']);
    const p2 = await (await get('/api/v1/characters?per_page=2&page=2')).json();
    expect(p2.items.map((c: any) => c.name)).toEqual(['Nico Robin']);
    const p9 = await (await get('/api/v1/characters?per_page=2&page=9')).json();
    expect(p9.items).toEqual([]);
  });

  it.each(['page=0', 'per_page=0', 'per_page=101', 'page=abc', 'page=1.5'])(
    'rejects %s with a JSON 400',
    async (qs) => {
      const res = await get(`/api/v1/characters?${qs}`);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('validation_failed');
    },
  );

  it('finds by case-insensitive substring and by trigram similarity, and not otherwise', async () => {
    const names = async (q: string) =>
      (await (await get(`/api/v1/characters?q=${encodeURIComponent(q)}`)).json()).items.map((c: any) => c.name);
    expect(await names('ROBIN')).toEqual(['Nico Robin']);
    expect(await names('titan')).toEqual(['Mikasa Ackerman']);
    expect(await names('mikasa akerman')).toEqual(['Mikasa Ackerman']);
    expect(await names('re:zero')).toEqual(['Rem']);
    expect(await names('100%_')).toEqual([]);
    expect(await names('zzzzqq')).toEqual([]);
    expect(await names('🟡')).toHaveLength(3);
    expect(await names('🟡 rem')).toEqual(['Rem']);
    expect(await names('🟣')).toEqual([]);
  });

  it('stores each image content-addressed with a thumbnail and serves both', async () => {
    const { items } = await (await get('/api/v1/characters?q=rem')).json();
    const art = items[0].artwork;
    expect(art.url).toMatch(/^\/images\/originals\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg$/);
    const row = (
      await s.db.query(
        'SELECT sha256, file_path, thumb_path, phash::text AS phash, bytes FROM artworks WHERE id = $1',
        [art.id],
      )
    ).rows[0];
    const onDisk = fs.readFileSync(path.join(s.imagesDir, row.file_path));
    expect(crypto.createHash('sha256').update(onDisk).digest('hex')).toBe(row.sha256);
    expect(onDisk.length).toBe(row.bytes);
    expect(row.phash).toMatch(/^[01]{64}$/);
    const img = await get(art.url);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    const thumb = await get(art.thumb_url);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await get('/images/../package.json')).status).toBe(404);
    expect((await get('/images/originals/00/none.jpg')).status).toBe(404);
  });

  it('returns JSON 404 for unknown API routes', async () => {
    const res = await get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });
});

describe('admin auth', () => {
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    get(p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('logs in with a hashed password, keeps the token hashed in the database, and logs out', async () => {
    await s.auth.setAdminPassword('admin', 'correct horse');
    const stored = (await s.db.query('SELECT password_hash FROM admins')).rows[0].password_hash;
    expect(stored).toMatch(/^\$argon2id\$/);
    const res = await post('/api/v1/auth/login', { username: 'admin', password: 'correct horse' });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/wdx_session=[a-z2-7]+;.*HttpOnly/i);
    const token = /wdx_session=([^;]+)/.exec(cookie)![1]!;
    const ids = (await s.db.query('SELECT id FROM sessions')).rows.map((r) => r.id);
    expect(ids).not.toContain(token);
    expect(ids[0]).toMatch(/^[0-9a-f]{64}$/);
    const me = await get('/api/v1/auth/me', { headers: { cookie: `wdx_session=${token}` } });
    expect((await me.json()).username).toBe('admin');
    const csrf = (await (await get('/api/v1/auth/me', { headers: { cookie: `wdx_session=${token}` } })).json())
      .csrf_token;
    // Logging out changes state: without the CSRF token (a cross-site form) it is refused.
    const forged = await get('/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: `wdx_session=${token}` },
      body: 'x',
    });
    expect(forged.status).toBe(403);
    expect((await get('/api/v1/auth/me', { headers: { cookie: `wdx_session=${token}` } })).status).toBe(200);
    expect(
      (await post('/api/v1/auth/logout', {}, { cookie: `wdx_session=${token}`, 'x-csrf-token': csrf })).status,
    ).toBe(204);
    expect((await get('/api/v1/auth/me', { headers: { cookie: `wdx_session=${token}` } })).status).toBe(401);
  });

  it('treats an expired session as logged out', async () => {
    const res = await post('/api/v1/auth/login', { username: 'admin', password: 'correct horse' });
    const token = /wdx_session=([^;]+)/.exec(res.headers.get('set-cookie')!)![1]!;
    await s.db.query("UPDATE sessions SET expires_at = now() - interval '1 second'");
    const me = await get('/api/v1/auth/me', { headers: { cookie: `wdx_session=${token}` } });
    expect(me.status).toBe(401);
    expect(
      (await s.db.query('SELECT count(*)::int AS n FROM sessions WHERE id = $1', [sessionIdOf(token)])).rows[0].n,
    ).toBe(0);
  });

  it('rate-limits repeated failed logins', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await post('/api/v1/auth/login', { username: 'victim', password: `guess${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
  });
});
