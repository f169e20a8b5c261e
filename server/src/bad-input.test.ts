/** Inputs that used to answer 500 (or reach PostgreSQL) must answer a clear 4xx and change nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { testLogger } from '@waifudex/core/testing/test-db';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { insertChannelRef } from '@waifudex/core/repos/channels.repo';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { requireAdmin } from './middleware/auth.js';
import { adminCharacterRoutes } from './routes/admin-characters.routes.js';
import { channelRoutes } from './routes/channels.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { searchRoutes } from './routes/search.routes.js';

let s: TestServer;
let search: ImageSearchService;
let cookie: string;
let csrf: string;
let channelId: string;

const call = (p: string, init: RequestInit = {}) => fetch(`${s.url}${p}`, init);
const admin = (method: string, p: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  call(p, {
    method,
    body,
    headers: {
      cookie,
      'x-csrf-token': csrf,
      ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
  });

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db, imagesDir }) => {
      search = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0, backgroundReindex: false });
      return [
        searchRoutes({ search }),
        adminCharacterRoutes({
          db,
          imagesDir,
          requireAdmin,
          ingest: createIngestService({ db, imagesDir, logger: testLogger }),
        }),
        channelRoutes({ db, requireAdmin }),
        syncRoutes({ db, requireAdmin }),
      ];
    },
  });
  await search.start();
  await s.auth.setAdminPassword('admin', 'correct horse');
  const login = await call('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
  });
  cookie = /wdx_session=[^;]+/.exec(login.headers.get('set-cookie')!)![0];
  csrf = (await login.json()).csrf_token;
  channelId = (await insertChannelRef(s.db, 'waifucards')).id;
});
afterAll(async () => {
  search?.stop();
  await s?.close();
});

describe('cookies and origins', () => {
  it.each(['wdx_session=%E0%A4%A', 'wdx_session=%', 'wdx_session', '=;;=%%', `wdx_session=${'a'.repeat(5000)}`])(
    'a malformed cookie header (%s) is "not logged in"',
    async (c) => {
      expect((await call('/api/v1/auth/me', { headers: { cookie: c } })).status).toBe(401);
      expect((await call('/api/v1/admin/channels', { headers: { cookie: c } })).status).toBe(401);
      expect((await call('/api/v1/characters', { headers: { cookie: c } })).status).toBe(200);
    },
  );

  it.each(['null', 'not a url', 'https://evil.example'])('refuses an admin write with Origin: %s', async (origin) => {
    const res = await admin('PATCH', `/api/v1/admin/channels/${channelId}`, JSON.stringify({ enabled: false }), {
      origin,
    });
    expect(res.status).toBe(403);
    expect((await s.db.query('SELECT enabled FROM channels WHERE id = $1', [channelId])).rows[0].enabled).toBe(true);
  });
});

describe('ids', () => {
  const huge = ['9223372036854775808', '99999999999999999999', '0', '-1', '1e3', '00012'];
  it.each(huge)('id %s is a 400 on every route', async (id) => {
    expect((await call(`/api/v1/characters/${id}`)).status).toBe(400);
    expect((await admin('GET', `/api/v1/admin/characters/${id}`)).status).toBe(400);
    expect((await admin('PATCH', `/api/v1/admin/channels/${id}`, JSON.stringify({ enabled: false }))).status).toBe(400);
    expect(
      (await admin('POST', `/api/v1/admin/channels/${id}/template/preview`, JSON.stringify({ template: 'x' }))).status,
    ).toBe(400);
    expect((await admin('POST', '/api/v1/admin/sync', JSON.stringify({ channel_id: id }))).status).toBe(400);
  });
  it('the largest bigint is a valid id (404), and numbers past 2^53 are refused', async () => {
    expect((await call('/api/v1/characters/9223372036854775807')).status).toBe(404);
    expect((await admin('POST', '/api/v1/admin/sync', '{"channel_id": 9223372036854775808}')).status).toBe(400);
  });
});

describe('multipart', () => {
  const bodies: Array<[string, string, string]> = [
    ['no boundary', 'multipart/form-data', 'hello'],
    ['garbage', 'multipart/form-data; boundary=XYZ', 'garbage without any part'],
    [
      'unterminated',
      'multipart/form-data; boundary=XYZ',
      '--XYZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG',
    ],
    ['broken header', 'multipart/form-data; boundary=XYZ', '--XYZ\r\nContent-Disposition\r\n\r\nx\r\n--XYZ--\r\n'],
  ];
  it.each(bodies)('%s → 400 on search and on admin upload', async (_what, type, body) => {
    const a = await call('/api/v1/search/image', { method: 'POST', headers: { 'content-type': type }, body });
    expect(a.status).toBe(400);
    expect((await a.json()).error.code).toBe('invalid_upload');
    expect((await admin('POST', '/api/v1/admin/characters', body, { 'content-type': type })).status).toBe(400);
  });
});

describe('NUL bytes', () => {
  it('in a text query, a login name, a channel ref or a template → 400', async () => {
    expect((await call('/api/v1/characters?q=a%00b')).status).toBe(400);
    expect(
      (
        await call('/api/v1/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'ad\u0000min', password: 'x' }),
        })
      ).status,
    ).toBe(400);
    expect((await admin('POST', '/api/v1/admin/channels', JSON.stringify({ ref: 'chan\u0000nel' }))).status).toBe(400);
    expect(
      (
        await admin(
          'POST',
          `/api/v1/admin/channels/${channelId}/template/preview`,
          JSON.stringify({ template: 'Name: {name}\u0000' }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await admin(
          'PUT',
          `/api/v1/admin/channels/${channelId}/parsing`,
          JSON.stringify({ caption_template: '{name}\u0000' }),
        )
      ).status,
    ).toBe(400);
  });

  it('in an upload caption or field → 400, and no file is left behind', async () => {
    const before = filesUnder(s.imagesDir);
    for (const [field, value] of [
      ['caption', 'Name: Rem\u0000'],
      ['name', 'Rem\u0000'],
    ] as const) {
      const form = new FormData();
      form.set(field, value);
      form.set('image', new Blob([new Uint8Array(await generateDemoImage(7, 'nul'))], { type: 'image/png' }), 'x.png');
      const res = await admin('POST', '/api/v1/admin/characters', form);
      expect(res.status).toBe(400);
    }
    expect(filesUnder(s.imagesDir)).toEqual(before);
    expect((await s.db.query('SELECT count(*)::int AS n FROM characters')).rows[0].n).toBe(0);
  });

  it('in a character edit → 400 and nothing changes', async () => {
    const form = new FormData();
    form.set('name', 'Rem');
    form.set('image', new Blob([new Uint8Array(await generateDemoImage(8, 'ok'))], { type: 'image/png' }), 'x.png');
    const created = await (await admin('POST', '/api/v1/admin/characters', form)).json();
    const id = created.character.id;
    expect((await admin('PATCH', `/api/v1/admin/characters/${id}`, JSON.stringify({ name: 'R\u0000em' }))).status).toBe(
      400,
    );
    expect((await s.db.query('SELECT name FROM characters WHERE id = $1', [id])).rows[0].name).toBe('Rem');
  });
});

describe('text queries', () => {
  it('are capped in length', async () => {
    expect((await call(`/api/v1/characters?q=${'a'.repeat(64)}`)).status).toBe(200);
    const res = await call(`/api/v1/characters?q=${'a'.repeat(65)}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/q .*64/);
  });
});
