import { thumbKey } from '@waifudex/core/services/image-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createTrashService } from '@waifudex/core/services/trash.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { requireAdmin } from '../middleware/auth.js';
import { adminCharacterRoutes } from './admin-characters.routes.js';

const MAX_UPLOAD = 2 * 1024 * 1024;
let s: TestServer;
let cookie = '';
let csrf = '';
const ids: Record<string, string> = {};
const events: Array<{
  characterId: string;
  addedArtworkIds: string[];
  removedArtworkIds: string[];
  fieldsChanged: boolean;
}> = [];

function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}
async function dbCounts() {
  const r = await s.db.query<{ c: number; a: number }>(
    'SELECT (SELECT count(*)::int FROM characters) AS c, (SELECT count(*)::int FROM artworks) AS a',
  );
  return { ...r.rows[0]!, files: filesIn(s.imagesDir).length };
}
/** Request as the logged-in admin (with CSRF unless told otherwise). */
function call(method: string, p: string, body?: unknown, opts: { csrf?: boolean; session?: boolean } = {}) {
  const headers: Record<string, string> = {};
  if (opts.session !== false) headers.cookie = cookie;
  if (opts.csrf !== false) headers['x-csrf-token'] = csrf;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return fetch(`${s.url}${p}`, { method, headers, body: payload });
}
function form(
  bytes: Buffer | string,
  fields: Record<string, string> = {},
  type = 'image/jpeg',
  filename = 'upload.jpg',
) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('image', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], { type }), filename);
  return fd;
}
const caption = (name: string, anime: string, id: number) =>
  `🌸 Name: ${name}\n📺 Anime: ${anime}\n🟡 Rarity: Legendary\n🆔 ID: ${id}`;

beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db, imagesDir }) => [
      adminCharacterRoutes({
        db,
        imagesDir,
        requireAdmin,
        ingest: createIngestService({ db, imagesDir, logger: testLogger }),
        maxUploadBytes: MAX_UPLOAD,
        onChange: (e) => void events.push(e),
      }),
    ],
  });
  const seeds: Array<[string, string]> = [
    ['Nico Robin', 'One Piece'],
    ['Mikasa Ackerman', 'Attack on Titan'],
    ['Rem', 'Re:Zero'],
  ];
  for (const [i, [name, anime]] of seeds.entries()) {
    const out = await s.ingest.ingestImage({
      bytes: await generateDemoImage(i, name),
      caption: caption(name, anime, 100 + i),
    });
    ids[name] = out.characterId;
  }
  await s.auth.setAdminPassword('admin', 'correct horse');
  const res = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  csrf = (await res.json()).csrf_token;
});
afterAll(async () => s?.close());

describe('admin character routes: access', () => {
  it.each([
    ['GET', '/api/v1/admin/characters'],
    ['GET', '/api/v1/admin/characters/1'],
    ['PATCH', '/api/v1/admin/characters/1'],
    ['DELETE', '/api/v1/admin/characters/1'],
    ['POST', '/api/v1/admin/characters'],
    ['POST', '/api/v1/admin/characters/1/artwork'],
  ])('%s %s answers 401 without a session', async (method, p) => {
    const res = await call(method, p, method === 'PATCH' ? { name: 'x' } : undefined, { session: false });
    expect(res.status).toBe(401);
  });

  it.each([
    ['PATCH', '/api/v1/admin/characters/1'],
    ['DELETE', '/api/v1/admin/characters/1'],
    ['POST', '/api/v1/admin/characters'],
    ['POST', '/api/v1/admin/characters/1/artwork'],
  ])('%s %s answers 403 without the CSRF token and changes nothing', async (method, p) => {
    const before = await dbCounts();
    const body =
      method === 'PATCH'
        ? { name: 'x' }
        : method === 'POST'
          ? form(await generateDemoImage(50, 'csrf'), { caption: 'Name: X' })
          : undefined;
    const res = await call(method, p, body, { csrf: false });
    expect(res.status).toBe(403);
    expect(await dbCounts()).toEqual(before);
    expect((await s.db.query('SELECT name FROM characters WHERE id = 1')).rows[0]?.name).not.toBe('x');
  });
});

describe('admin character routes: reading', () => {
  it('lists hidden characters too, with the raw caption, parse confidence and family', async () => {
    await s.db.query('UPDATE characters SET hidden = true, needs_review = true WHERE id = $1', [ids.Rem]);
    const body = await (await call('GET', '/api/v1/admin/characters?per_page=10')).json();
    expect(body.total).toBe(3);
    const rem = body.items.find((c: any) => c.id === ids.Rem);
    expect(rem).toMatchObject({
      name: 'Rem',
      hidden: true,
      needs_review: true,
      raw_caption: caption('Rem', 'Re:Zero', 102),
    });
    expect(typeof rem.parse_confidence).toBe('number');
    expect(typeof rem.caption_family).toBe('string');
    const review = await (await call('GET', '/api/v1/admin/characters?needs_review=true')).json();
    expect(review.items.map((c: any) => c.name)).toEqual(['Rem']);
    const visible = await (await call('GET', '/api/v1/admin/characters?hidden=false&q=titan')).json();
    expect(visible.items.map((c: any) => c.name)).toEqual(['Mikasa Ackerman']);
    expect((await call('GET', '/api/v1/admin/characters?hidden=maybe')).status).toBe(400);
    await s.db.query('UPDATE characters SET hidden = false, needs_review = false WHERE id = $1', [ids.Rem]);
  });

  it('serves the public detail with its artworks, and 404 for hidden, unknown or malformed ids', async () => {
    const res = await fetch(`${s.url}/api/v1/characters/${ids['Nico Robin']}`);
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({ id: ids['Nico Robin'], name: 'Nico Robin', anime: 'One Piece', source_id: '100' });
    expect(d.artworks).toHaveLength(1);
    expect(d.artworks[0]).toMatchObject({ is_current: true });
    expect(d.raw_caption).toBeUndefined();
    expect((await fetch(`${s.url}${d.artworks[0].url}`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/characters/999999`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/v1/characters/abc`)).status).toBe(400);
  });
});

describe('admin character routes: changes', () => {
  it('PATCH edits fields, remembers them, and a later re-parse keeps the hand edit', async () => {
    const id = ids['Mikasa Ackerman']!;
    const res = await call('PATCH', `/api/v1/admin/characters/${id}`, { name: 'Mikasa Ackermann', rarity: '' });
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({ name: 'Mikasa Ackermann', rarity: null, needs_review: false });
    expect(d.edited_fields).toEqual(expect.arrayContaining(['name', 'rarity']));
    // The channel reposts the character with a new picture and its old caption: the edit wins.
    const again = await s.ingest.ingestImage({
      bytes: await generateDemoImage(7, 'repost'),
      caption: caption('Mikasa Ackerman', 'Attack on Titan', 101),
    });
    expect(again).toMatchObject({ status: 'new_artwork', characterId: id });
    const row = (await s.db.query('SELECT name, rarity, anime FROM characters WHERE id = $1', [id])).rows[0];
    expect(row).toEqual({ name: 'Mikasa Ackermann', rarity: null, anime: 'Attack on Titan' });
    const list = await (await fetch(`${s.url}/api/v1/characters?q=ackermann`)).json();
    expect(list.items.map((c: any) => c.name)).toEqual(['Mikasa Ackermann']);
  });

  it('PATCH rejects unknown fields, wrong types and empty bodies; 404 for a missing character', async () => {
    const id = ids['Nico Robin']!;
    for (const body of [{}, { nope: 1 }, { hidden: 'yes' }, { name: 'x'.repeat(201) }]) {
      const res = await call('PATCH', `/api/v1/admin/characters/${id}`, body);
      expect(res.status).toBe(400);
    }
    expect((await call('PATCH', '/api/v1/admin/characters/999999', { name: 'x' })).status).toBe(404);
  });

  it('PATCH hidden hides the character from the public and shows it again', async () => {
    const id = ids['Nico Robin']!;
    expect((await call('PATCH', `/api/v1/admin/characters/${id}`, { hidden: true })).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/characters/${id}`)).status).toBe(404);
    const pub = await (await fetch(`${s.url}/api/v1/characters`)).json();
    expect(pub.items.map((c: any) => c.id)).not.toContain(id);
    expect((await (await call('GET', `/api/v1/admin/characters/${id}`)).json()).hidden).toBe(true);
    expect((await call('PATCH', `/api/v1/admin/characters/${id}`, { hidden: false })).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/characters/${id}`)).status).toBe(200);
  });

  it('POST creates a character from an uploaded image and its caption, storing the files', async () => {
    const before = await dbCounts();
    const res = await call(
      'POST',
      '/api/v1/admin/characters',
      form(await generateDemoImage(20, 'Asuna'), { caption: caption('Asuna Yuuki', 'Sword Art Online', 300) }),
    );
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'created',
      character: { name: 'Asuna Yuuki', anime: 'Sword Art Online', source_id: '300' },
    });
    // the original and thumbnails 240, 480 and 600 px wide (the 600 px original is not enlarged to 720)
    expect(await dbCounts()).toEqual({ c: before.c + 1, a: before.a + 1, files: before.files + 4 });
    expect(body.character.artworks[0].thumbs.map((t: { width: number }) => t.width)).toEqual([240, 480, 600]);
    for (const t of body.character.artworks[0].thumbs)
      expect((await fetch(`${s.url}${t.url}`)).headers.get('content-type')).toBe('image/webp');
    expect((await fetch(`${s.url}${body.character.artworks[0].thumb_url}`)).status).toBe(200);
    ids.Asuna = body.character.id;
  });

  it('POST refuses a bot event caption with no name (nothing stored), and stores it when a name is typed', async () => {
    const spawn = '**A New 🟣 Rare Character Appeared...**\n**/guess Character Name and add in Your Harem**';
    const before = await dbCounts();
    const res = await call(
      'POST',
      '/api/v1/admin/characters',
      form(await generateDemoImage(23, 'spawn'), { caption: spawn }),
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'not_a_character', details: { reason: 'bot_event' } });
    expect(await dbCounts()).toEqual(before);
    const named = await call(
      'POST',
      '/api/v1/admin/characters',
      form(await generateDemoImage(23, 'spawn'), { caption: spawn, name: 'Makima' }),
    );
    expect(named.status).toBe(201);
    expect((await named.json()).character).toMatchObject({ name: 'Makima', rarity: 'Rare' });
  });

  it('POST with typed fields and no caption stores those fields as hand edits', async () => {
    const res = await call(
      'POST',
      '/api/v1/admin/characters',
      form(await generateDemoImage(21, 'Zero Two'), {
        name: 'Zero Two',
        anime: 'Darling in the Franxx',
        rarity_emoji: '💮',
        rarity: '',
      }),
    );
    expect(res.status).toBe(201);
    const c = (await res.json()).character;
    expect(c).toMatchObject({
      name: 'Zero Two',
      anime: 'Darling in the Franxx',
      rarity_emoji: '💮',
      needs_review: false,
    });
    expect(c.edited_fields).toEqual(expect.arrayContaining(['name', 'anime', 'rarity_emoji']));
  });

  it('POST refuses a missing image, a missing caption and name, and a duplicate image', async () => {
    const fd = new FormData();
    fd.append('caption', 'Name: Nobody');
    expect((await call('POST', '/api/v1/admin/characters', fd)).status).toBe(400);
    const before = await dbCounts();
    expect((await call('POST', '/api/v1/admin/characters', form(await generateDemoImage(22, 'x')))).status).toBe(400);
    const dup = await call(
      'POST',
      '/api/v1/admin/characters',
      form(await generateDemoImage(20, 'Asuna'), { caption: 'Name: Again' }),
    );
    expect(dup.status).toBe(409);
    expect((await dup.json()).error).toMatchObject({ code: 'duplicate_image', details: { character_id: ids.Asuna } });
    expect(await dbCounts()).toEqual(before);
  });

  it.each([
    [
      'a text file',
      async () => form('hello, I am not a picture\n'.repeat(20), { caption: 'Name: Text' }, 'text/plain', 'notes.txt'),
      [415],
    ],
    [
      'a truncated JPEG',
      async () => form((await generateDemoImage(23, 'cut')).subarray(0, 4000), { caption: 'Name: Cut' }),
      [422],
    ],
    [
      'a file over the upload limit',
      async () => form(Buffer.alloc(MAX_UPLOAD + 1, 0xff), { caption: 'Name: Big' }),
      [413],
    ],
  ])('POST refuses %s with a 4xx and changes nothing', async (_what, make, statuses) => {
    const before = await dbCounts();
    const res = await call('POST', '/api/v1/admin/characters', await make());
    expect(statuses).toContain(res.status);
    expect((await res.json()).error.message).toBeTruthy();
    expect(await dbCounts()).toEqual(before);
  });

  it('POST /:id/artwork makes the upload current and keeps the old artwork as history', async () => {
    const id = ids.Rem!;
    const before = await dbCounts();
    const res = await call(
      'POST',
      `/api/v1/admin/characters/${id}/artwork`,
      form(await generateDemoImage(30, 'Rem v2')),
    );
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d.artworks).toHaveLength(2);
    expect(d.artworks.map((a: any) => a.is_current)).toEqual([true, false]);
    expect(await dbCounts()).toEqual({ c: before.c, a: before.a + 1, files: before.files + 4 });
    expect(events.at(-1)).toEqual({
      characterId: id,
      addedArtworkIds: [d.artworks[0].id],
      removedArtworkIds: [],
      fieldsChanged: false,
    });
    const pub = await (await fetch(`${s.url}/api/v1/characters/${id}`)).json();
    expect(pub.artworks[0].id).toBe(d.artworks[0].id);
  });

  it('POST /:id/artwork refuses bad files and unknown characters without writing anything', async () => {
    const before = await dbCounts();
    expect(
      (
        await call(
          'POST',
          `/api/v1/admin/characters/${ids.Rem}/artwork`,
          form('not an image', {}, 'text/plain', 'x.txt'),
        )
      ).status,
    ).toBe(415);
    expect(
      (
        await call(
          'POST',
          `/api/v1/admin/characters/${ids.Rem}/artwork`,
          form((await generateDemoImage(31, 'cut')).subarray(0, 3000)),
        )
      ).status,
    ).toBe(422);
    expect(
      (await call('POST', '/api/v1/admin/characters/999999/artwork', form(await generateDemoImage(32, 'nobody'))))
        .status,
    ).toBe(404);
    expect(await dbCounts()).toEqual(before);
  });

  it('DELETE moves the character to the trash (files kept for undo); the purge then removes rows and files', async () => {
    const id = ids.Rem!;
    const rows = (
      await s.db.query<{ file_path: string; sha256: string; thumb_widths: number[] }>(
        'SELECT file_path, sha256, thumb_widths FROM artworks WHERE character_id = $1',
        [id],
      )
    ).rows;
    const files = rows.flatMap((r) => [r.file_path, ...r.thumb_widths.map((w) => thumbKey(r.sha256, w))]);
    expect(files).toHaveLength(8);
    files.forEach((f) => expect(fs.existsSync(path.join(s.imagesDir, f))).toBe(true));
    const res = await call('DELETE', `/api/v1/admin/characters/${id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, name: 'Rem' });
    expect(
      (await s.db.query('SELECT count(*)::int AS n FROM characters WHERE id = $1 AND deleted_at IS NOT NULL', [id]))
        .rows[0].n,
    ).toBe(1);
    files.forEach((f) => expect(fs.existsSync(path.join(s.imagesDir, f))).toBe(true));
    expect(events.at(-1)).toMatchObject({
      characterId: id,
      removedArtworkIds: expect.arrayContaining([expect.any(String), expect.any(String)]),
    });
    expect(events.at(-1)!.removedArtworkIds).toHaveLength(2);
    expect((await call('DELETE', `/api/v1/admin/characters/${id}`)).status).toBe(404);
    const purged = await createTrashService({ db: s.db, imagesDir: s.imagesDir, retentionDays: 0 }).purge(
      new Date(Date.now() + 1000),
    );
    expect(purged).toMatchObject({ characters: 1, artworks: 2, files: 8 }); // per artwork: the original and 3 thumbnails
    expect((await s.db.query('SELECT count(*)::int AS n FROM artworks WHERE character_id = $1', [id])).rows[0].n).toBe(
      0,
    );
    files.forEach((f) => expect(fs.existsSync(path.join(s.imagesDir, f))).toBe(false));
  });
});
