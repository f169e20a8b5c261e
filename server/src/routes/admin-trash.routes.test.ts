import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { createTrashService, type TrashService } from '@waifudex/core/services/trash.service';
import { guessCommandFor } from '@waifudex/core/services/guess-command';
import { testLogger } from '@waifudex/core/testing/test-db';
import { thumbKey } from '@waifudex/core/services/image-store';
import type { Db } from '@waifudex/core/db/database';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { requireAdmin } from '../middleware/auth.js';
import { adminCharacterRoutes } from './admin-characters.routes.js';

const DAY = 86_400_000;
let s: TestServer;
let search: ImageSearchService;
let trash: TrashService;
let cookie = '';
let csrf = '';
const ids: Record<string, string> = {};
const pictures: Record<string, Buffer> = {};

function call(method: string, p: string, body?: unknown, opts: { csrf?: boolean } = {}) {
  const headers: Record<string, string> = { cookie };
  if (opts.csrf !== false) headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${s.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
const caption = (name: string, anime: string, id: number) =>
  `🌸 Name: ${name}\n📺 Anime: ${anime}\n🟡 Rarity: Legendary\n🆔 ID: ${id}`;
/** Every stored key of the character's artworks: the original, thumb_path and each srcset width. */
const filesOf = async (id: string) =>
  (
    await s.db.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
      'SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks WHERE character_id = $1',
      [id],
    )
  ).rows.flatMap((r) => [...new Set([r.file_path, r.thumb_path, ...r.thumb_widths.map((w) => thumbKey(r.sha256, w))])]);
const exists = (rel: string) => fs.existsSync(path.join(s.imagesDir, rel));
const galleryNames = async () =>
  ((await (await fetch(`${s.url}/api/v1/characters?per_page=100`)).json()).items as { name: string }[])
    .map((c) => c.name)
    .sort();
const adminNames = async (qs = '') =>
  ((await (await call('GET', `/api/v1/admin/characters?per_page=100${qs}`)).json()).items as { name: string }[])
    .map((c) => c.name)
    .sort();
const searchFinds = async (name: string) => {
  await search.refresh();
  const r = await search.search(pictures[name]!);
  return r.matches.some((m) => m.character.id === ids[name]);
};

beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db, imagesDir }) => {
      search = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0, backgroundReindex: false });
      trash = createTrashService({ db, imagesDir, retentionDays: 30, onChange: () => search.refresh() });
      return [
        adminCharacterRoutes({
          db,
          imagesDir,
          requireAdmin,
          trash,
          ingest: createIngestService({ db, imagesDir, logger: testLogger }),
          onChange: () => search.refresh(),
        }),
      ];
    },
  });
  const seeds: Array<[string, string]> = [
    ['Nico Robin', 'One Piece'],
    ['Nami', 'One Piece'],
    ['Mikasa Ackerman', 'Attack on Titan'],
    ['Rem', 'Re:Zero'],
    ['Emilia', 'Re:Zero'],
  ];
  for (const [i, [name, anime]] of seeds.entries()) {
    pictures[name] = await generateDemoImage(i, name);
    ids[name] = (
      await s.ingest.ingestImage({ bytes: pictures[name]!, caption: caption(name, anime, 200 + i) })
    ).characterId;
  }
  await search.start();
  await s.auth.setAdminPassword('admin', 'correct horse');
  const res = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  csrf = (await res.json()).csrf_token;
}, 60_000);
afterAll(async () => {
  search?.stop();
  await s?.close();
});

describe('delete to the trash, undo, purge', () => {
  it('DELETE moves the character to the trash: gone from gallery, admin list, detail, image search and the bot; files kept', async () => {
    const id = ids.Rem!;
    expect(await searchFinds('Rem')).toBe(true);
    const files = await filesOf(id);
    const res = await call('DELETE', `/api/v1/admin/characters/${id}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id, name: 'Rem' });
    expect(Date.parse(body.purge_at) - Date.parse(body.deleted_at)).toBe(30 * DAY);

    expect(await galleryNames()).not.toContain('Rem');
    expect(await adminNames()).not.toContain('Rem');
    expect((await fetch(`${s.url}/api/v1/characters/${id}`)).status).toBe(404);
    expect(await searchFinds('Rem')).toBe(false);
    await expect(guessCommandFor(s.db, id)).rejects.toThrow(/not found/);
    files.forEach((f) => expect(exists(f)).toBe(true));

    const t = await (await call('GET', '/api/v1/admin/trash')).json();
    expect(t).toMatchObject({ total: 1, retention_days: 30, items: [{ id, name: 'Rem', purge_at: body.purge_at }] });
    // admin detail still answers, marked as trashed
    expect((await (await call('GET', `/api/v1/admin/characters/${id}`)).json()).deleted_at).toBe(body.deleted_at);
    expect((await call('DELETE', `/api/v1/admin/characters/${id}`)).status).toBe(404);
  });

  it('restore (undo) brings it back everywhere, image search included', async () => {
    const id = ids.Rem!;
    const res = await call('POST', '/api/v1/admin/trash/restore', { ids: [id] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ restored: [id] });
    expect(await galleryNames()).toContain('Rem');
    expect((await fetch(`${s.url}/api/v1/characters/${id}`)).status).toBe(200);
    expect(await searchFinds('Rem')).toBe(true);
    expect((await (await call('GET', '/api/v1/admin/trash')).json()).total).toBe(0);
    // restoring again changes nothing
    expect(await (await call('POST', '/api/v1/admin/trash/restore', { ids: [id] })).json()).toEqual({ restored: [] });
  });

  it('the purge keeps what is younger than the retention and deletes rows, then files, of what is older', async () => {
    const id = ids.Emilia!;
    const files = await filesOf(id);
    expect((await call('DELETE', `/api/v1/admin/characters/${id}`)).status).toBe(200);
    expect(await trash.purge(new Date(Date.now() + 29 * DAY))).toEqual({ characters: 0, artworks: 0, files: 0 });
    files.forEach((f) => expect(exists(f)).toBe(true));
    expect(files).toHaveLength(4); // the original and 3 thumbnails
    expect(await trash.purge(new Date(Date.now() + 31 * DAY))).toEqual({ characters: 1, artworks: 1, files: 4 });
    expect((await s.db.query('SELECT count(*)::int AS n FROM characters WHERE id = $1', [id])).rows[0].n).toBe(0);
    files.forEach((f) => expect(exists(f)).toBe(false));
    expect((await call('POST', '/api/v1/admin/trash/restore', { ids: [id] })).status).toBe(200);
    expect(await galleryNames()).not.toContain('Emilia');
  });

  it('a purge whose transaction fails removes no file and no row', async () => {
    const id = ids.Nami!;
    const files = await filesOf(id);
    expect((await call('DELETE', `/api/v1/admin/characters/${id}`)).status).toBe(200);
    // the same database, but every transaction rolls back after its work (as if COMMIT failed)
    const failing: Db = {
      ...s.db,
      transaction: (fn) =>
        s.db.transaction(async (tx) => {
          await fn(tx);
          throw new Error('commit failed');
        }),
    };
    const broken = createTrashService({ db: failing, imagesDir: s.imagesDir, retentionDays: 30 });
    await expect(broken.purge(new Date(Date.now() + 31 * DAY))).rejects.toThrow('commit failed');
    files.forEach((f) => expect(exists(f)).toBe(true));
    expect((await s.db.query('SELECT count(*)::int AS n FROM artworks WHERE character_id = $1', [id])).rows[0].n).toBe(
      1,
    );
    await call('POST', '/api/v1/admin/trash/restore', { ids: [id] });
  });

  it('a duplicate upload names the existing character (and says when it is in the trash)', async () => {
    const upload = async () => {
      const fd = new FormData();
      fd.append('caption', 'Name: Again');
      fd.append('image', new Blob([new Uint8Array(pictures['Nico Robin']!)], { type: 'image/jpeg' }), 'x.jpg');
      return fetch(`${s.url}/api/v1/admin/characters`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf },
        body: fd,
      });
    };
    let res = await upload();
    expect(res.status).toBe(409);
    let err = (await res.json()).error;
    expect(err.message).toBe('this image is already stored as Nico Robin (One Piece)');
    expect(err.details).toMatchObject({
      character_id: ids['Nico Robin'],
      character_name: 'Nico Robin',
      in_trash: false,
    });
    await call('DELETE', `/api/v1/admin/characters/${ids['Nico Robin']}`);
    res = await upload();
    err = (await res.json()).error;
    expect(err.message).toMatch(/Nico Robin \(One Piece\) in the trash/);
    await call('POST', '/api/v1/admin/trash/restore', { ids: [ids['Nico Robin']] });
  });
});

describe('bulk actions', () => {
  it('set anime on listed ids, remembered as a hand edit', async () => {
    const res = await call('POST', '/api/v1/admin/characters/bulk', {
      action: 'set',
      fields: { anime: 'ワンピース One Piece' },
      ids: [ids['Nico Robin'], ids.Nami],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ action: 'set', matched: 2, changed: 2 });
    const d = await (await call('GET', `/api/v1/admin/characters/${ids.Nami}`)).json();
    expect(d).toMatchObject({ anime: 'ワンピース One Piece', needs_review: false });
    expect(d.edited_fields).toContain('anime');
    // the text search follows the new value
    expect(await adminNames('&q=ワンピース')).toEqual(['Nami', 'Nico Robin']);
  });

  it('hide and show everything a filter matches, without listing ids', async () => {
    const res = await call('POST', '/api/v1/admin/characters/bulk', { action: 'hide', filter: { q: 'ワンピース' } });
    expect(await res.json()).toMatchObject({ matched: 2, changed: 2 });
    expect(await galleryNames()).toEqual(['Mikasa Ackerman', 'Rem']);
    expect(await adminNames('&hidden=true')).toEqual(['Nami', 'Nico Robin']);
    expect(
      await (
        await call('POST', '/api/v1/admin/characters/bulk', { action: 'show', filter: { q: '', hidden: true } })
      ).json(),
    ).toMatchObject({ matched: 2, changed: 2 });
    expect(await galleryNames()).toEqual(['Mikasa Ackerman', 'Nami', 'Nico Robin', 'Rem']);
  });

  it('delete by filter goes to the trash, and the ids it answers undo it', async () => {
    const res = await call('POST', '/api/v1/admin/characters/bulk', { action: 'delete', filter: { q: 'ワンピース' } });
    const out = await res.json();
    expect(out).toMatchObject({ action: 'delete', matched: 2, changed: 2 });
    expect(await galleryNames()).toEqual(['Mikasa Ackerman', 'Rem']);
    expect(await searchFinds('Nami')).toBe(false);
    expect(await (await call('POST', '/api/v1/admin/trash/restore', { ids: out.ids })).json()).toEqual({
      restored: [...out.ids].sort(),
    });
    expect(await galleryNames()).toEqual(['Mikasa Ackerman', 'Nami', 'Nico Robin', 'Rem']);
    expect(await searchFinds('Nami')).toBe(true);
  });

  it('re-parse keeps hand edits and restores fields from the caption', async () => {
    await s.db.query(`UPDATE characters SET rarity = 'Common' WHERE id = $1`, [ids.Rem]); // not a hand edit
    const res = await call('POST', '/api/v1/admin/characters/bulk', { action: 'reparse', ids: [ids.Rem, ids.Nami] });
    expect(await res.json()).toMatchObject({ matched: 2, changed: 1, ids: [ids.Rem] });
    expect((await (await call('GET', `/api/v1/admin/characters/${ids.Rem}`)).json()).rarity).toBe('Legendary');
    expect((await (await call('GET', `/api/v1/admin/characters/${ids.Nami}`)).json()).anime).toBe(
      'ワンピース One Piece',
    );
  });

  it.each([
    ['neither ids nor filter', { action: 'hide' }],
    ['both ids and filter', { action: 'hide', ids: ['1'], filter: { q: '' } }],
    ['set without fields', { action: 'set', ids: ['1'] }],
    ['fields on another action', { action: 'hide', fields: { anime: 'x' }, ids: ['1'] }],
    ['an unknown action', { action: 'explode', ids: ['1'] }],
    ['a bad id', { action: 'hide', ids: ['0x1'] }],
    ['too many ids', { action: 'hide', ids: Array.from({ length: 10_001 }, (_, i) => String(i + 1)) }],
    ['an unknown field', { action: 'set', fields: { name: 'x' }, ids: ['1'] }],
  ])('refuses %s with a 400 and changes nothing', async (_what, body) => {
    const before = (
      await s.db.query('SELECT count(*)::int AS n FROM characters WHERE hidden OR deleted_at IS NOT NULL')
    ).rows[0].n;
    const res = await call('POST', '/api/v1/admin/characters/bulk', body);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBeTruthy();
    expect(
      (await s.db.query('SELECT count(*)::int AS n FROM characters WHERE hidden OR deleted_at IS NOT NULL')).rows[0].n,
    ).toBe(before);
  });

  it('admin writes need the session and the CSRF token', async () => {
    expect(
      (await call('POST', '/api/v1/admin/characters/bulk', { action: 'delete', filter: { q: '' } }, { csrf: false }))
        .status,
    ).toBe(403);
    expect((await fetch(`${s.url}/api/v1/admin/trash`)).status).toBe(401);
    expect((await call('POST', '/api/v1/admin/trash/restore', { ids: ['1'] }, { csrf: false })).status).toBe(403);
    expect((await galleryNames()).length).toBe(4);
  });
});
