import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { makeVariant } from '@waifudex/core/images/query-variants';
import { ensureLocalChannel, upsertChannelByPeer, type Channel } from '@waifudex/core/repos/channels.repo';
import { recordGapFailure } from '@waifudex/core/repos/sync-gaps.repo';
import { recordSkippedPost } from '@waifudex/core/repos/skipped-posts.repo';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { requireAdmin } from '../middleware/auth.js';
import { adminCharacterRoutes } from './admin-characters.routes.js';
import { curationRoutes } from './curation.routes.js';

let s: TestServer;
let search: ImageSearchService;
let cookie = '';
let csrf = '';
let chA: Channel;
let chB: Channel;
const img: Record<string, Buffer> = {};
const art: Record<string, string> = {};

const caption = (name: string, anime: string, id: string, rarity = 'Legendary') =>
  `🌸 Name: ${name}\n📺 Anime: ${anime}\n🟡 Rarity: ${rarity}\n🆔 ID: ${id}`;
let seed = 300;
const day = (n: number) => new Date(Date.UTC(2026, 0, n));

/** Posts one picture to a channel (through the same ingest as the sync); returns the outcome. */
async function post(key: string, channel: Channel, messageId: number, text: string, postedAt: Date, bytes?: Buffer) {
  img[key] = bytes ?? (await generateDemoImage(seed++, key));
  const out = await s.ingest.ingestImage({ bytes: img[key]!, caption: text, channel, messageId, postedAt });
  art[key] = out.artworkId;
  return out;
}

function call(method: string, p: string, body?: unknown, opts: { csrf?: boolean } = {}) {
  const headers: Record<string, string> = { cookie };
  if (opts.csrf !== false) headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${s.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
const json = async (method: string, p: string, body?: unknown) => {
  const res = await call(method, p, body);
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
};
const gallery = async (q = '') =>
  (await (await fetch(`${s.url}/api/v1/characters?per_page=100&q=${encodeURIComponent(q)}`)).json()).items;
const byName = async (name: string) => (await gallery()).find((c: { name: string }) => c.name === name);
const queue = async (kind: string) => (await json('GET', `/api/v1/admin/quality?kind=${kind}&per_page=100`)).body;

beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db, imagesDir }) => {
      const ingest = createIngestService({ db, imagesDir, logger: testLogger });
      return [
        adminCharacterRoutes({ db, imagesDir, requireAdmin, ingest }),
        curationRoutes({ db, imagesDir, requireAdmin, ingest, fileCheckTtlMs: 0, onChange: () => search.refresh() }),
      ];
    },
  });
  search = createImageSearchService({ db: s.db, imagesDir: s.imagesDir, logger: testLogger });
  chA = await upsertChannelByPeer(s.db, { peerId: '7001', title: 'Waifu Spawns', username: 'WaifuSpawns' });
  chB = await ensureLocalChannel(s.db, 'Genshin Drops');
  await post('hutao-a', chA, 1, caption('Hu Tao', 'Genshin Impact', '7'), day(1));
  await post('hutao-b', chB, 1, caption('Hu Tao', 'Genshin Impact', '301', 'Rare'), day(2));
  await post('hutao-repost', chA, 2, caption('Hu Tao', 'Genshin Impact', '7'), day(3)); // the bot reposts card 7 with new art
  await post('hutao-nospace', chA, 3, caption('HuTao', 'Genshin Impact', '12'), day(4));
  await post('hutao-cjk', chB, 2, caption('胡桃', 'Genshin Impact', '13'), day(5));
  await post('raiden-a', chA, 4, caption('Raiden Shogun', 'Genshin Impact', '108'), day(6));
  await post('raiden-b', chB, 3, '🌸 Name: Raiden Shogun\n📺 Anime: Genshin Impact', day(7));
  await post('rem', chA, 5, caption('Rem', 'Re:Zero', '500'), day(8));
  await post('ram', chA, 6, caption('Ram', 'Re:Zero', '500'), day(9)); // same card id, another name
  await s.auth.setAdminPassword('admin', 'correct horse');
  const res = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  csrf = (await res.json()).csrf_token;
  await search.start();
});
afterAll(async () => {
  search?.stop();
  await s?.close();
});

describe('one character, many artworks', () => {
  it('groups posts by normalised (name, anime) across channels, and reposts by (channel, card id)', async () => {
    const items = await gallery();
    expect(items.map((c: { name: string }) => c.name).sort()).toEqual(
      ['HuTao', 'Hu Tao', 'Ram', 'Raiden Shogun', '胡桃'].sort(),
    );
    expect((await byName('Hu Tao')).artwork_count).toBe(3);
    expect((await byName('Raiden Shogun')).artwork_count).toBe(2);
    // the card keeps one identity when the bot renames it: Rem's post and Ram's are one character (and a queue entry)
    expect((await byName('Ram')).artwork_count).toBe(2);
  });

  it('two channels posting a new name at the same moment make one character', async () => {
    const [x, y] = await Promise.all([
      s.ingest.ingestImage({
        bytes: await generateDemoImage(901, 'Zhongli'),
        caption: caption('Zhongli', 'Genshin Impact', '60'),
        channel: chA,
        messageId: 60,
      }),
      s.ingest.ingestImage({
        bytes: await generateDemoImage(902, 'Zhongli'),
        caption: caption('Zhongli', 'Genshin Impact', '61'),
        channel: chB,
        messageId: 61,
      }),
    ]);
    expect(x.characterId).toBe(y.characterId);
    expect((await byName('Zhongli')).artwork_count).toBe(2);
    await s.db.query('DELETE FROM characters WHERE id = $1', [x.characterId]); // out of the way of the next checks
  });

  it('a character hidden because its posts were deleted shows again when another channel posts it; one an admin hid stays hidden', async () => {
    const apply = createSyncApplyService({
      db: s.db,
      parse: (c, ch, e) => s.ingest.parse(c, ch, e),
      normalize: normalizeForSearch,
    });
    const aloy = await post('aloy-a', chA, 70, caption('Aloy', 'Horizon', '70'), day(12));
    expect(await apply.hideDeletedMessages(chA, [70])).toBe(1);
    expect(await byName('Aloy')).toBeUndefined();
    const again = await post('aloy-b', chB, 71, caption('Aloy', 'Horizon', '71'), day(13));
    expect(again.characterId).toBe(aloy.characterId);
    expect(await byName('Aloy')).toMatchObject({ id: aloy.characterId, artwork_count: 1 });

    const kept = await post('yoimiya-a', chA, 72, caption('Yoimiya', 'Genshin Impact', '72'), day(14));
    expect((await json('PATCH', `/api/v1/admin/characters/${kept.characterId}`, { hidden: true })).status).toBe(200);
    await post('yoimiya-b', chB, 73, caption('Yoimiya', 'Genshin Impact', '73'), day(15));
    expect(await byName('Yoimiya')).toBeUndefined();
    for (const id of [aloy.characterId, kept.characterId])
      await s.db.query('DELETE FROM characters WHERE id = $1', [id]);
  });

  it('the channel filter and its counts see a character in every channel it was posted in', async () => {
    const hutao = await byName('Hu Tao');
    for (const ch of [chA, chB]) {
      const r = await (await fetch(`${s.url}/api/v1/characters?channel=${ch.id}&per_page=100`)).json();
      expect(
        r.items.map((c: { id: string }) => c.id),
        ch.title,
      ).toContain(hutao.id);
    }
    const facets = await (await fetch(`${s.url}/api/v1/characters/facets?q=hu%20tao`)).json();
    // characters, not posts: Hu Tao (two posts in Waifu Spawns, one in Genshin Drops) and HuTao (Waifu Spawns)
    expect(facets.channel.map((f: { label: string; count: number }) => [f.label, f.count]).sort()).toEqual([
      ['Genshin Drops', 1],
      ['Waifu Spawns', 2],
    ]);
  });

  it('the character page lists every artwork, current first, each with its own post', async () => {
    const hutao = await byName('Hu Tao');
    const d = await (await fetch(`${s.url}/api/v1/characters/${hutao.id}`)).json();
    expect(d.artworks.map((a: { id: string }) => a.id)).toEqual([art['hutao-repost'], art['hutao-b'], art['hutao-a']]);
    expect(d.artworks.map((a: { is_current: boolean }) => a.is_current)).toEqual([true, false, false]);
    expect(
      d.artworks.map((a: { source_id: string; rarity: string; channel_title: string }) => [
        a.source_id,
        a.rarity,
        a.channel_title,
      ]),
    ).toEqual([
      ['7', 'Legendary', 'Waifu Spawns'],
      ['301', 'Rare', 'Genshin Drops'],
      ['7', 'Legendary', 'Waifu Spawns'],
    ]);
    expect(d.artworks[1].created_at).toBe(day(2).toISOString());
  });

  it('reverse search answers with the character and the artwork that matched, once per character', async () => {
    const r = await search.search(await makeVariant(img['hutao-b']!, 'jpeg30'));
    const hutao = await byName('Hu Tao');
    expect(r.matches[0]).toMatchObject({
      character: { id: hutao.id, name: 'Hu Tao', artwork_count: 3 },
      artwork: {
        id: art['hutao-b'],
        is_current: false,
        source_id: '301',
        rarity: 'Rare',
        channel_title: 'Genshin Drops',
      },
    });
    const ids = r.matches.map((m) => m.character.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('merge and split', () => {
  it('merges name variants into one character whose aliases search still finds; new posts with an alias join it', async () => {
    const hutao = await byName('Hu Tao');
    for (const variant of ['HuTao', '胡桃']) {
      const from = await byName(variant);
      const r = await json('POST', `/api/v1/admin/characters/${hutao.id}/merge`, { from: from.id });
      expect(r.status).toBe(200);
      expect(r.body.moved_artwork_ids).toHaveLength(1);
      expect((await fetch(`${s.url}/api/v1/characters/${from.id}`)).status).toBe(404);
    }
    const d = (await json('GET', `/api/v1/admin/characters/${hutao.id}`)).body;
    expect(d.aliases.map((a: { name: string }) => a.name)).toEqual(['HuTao', '胡桃']);
    expect(d.artworks).toHaveLength(5);
    expect(d.artworks[0].id).toBe(art['hutao-repost']); // the target keeps its current artwork
    for (const q of ['胡桃', 'HuTao', 'hu tao'])
      expect(
        (await gallery(q)).map((c: { id: string }) => c.id),
        q,
      ).toContain(hutao.id);
    expect((await gallery('胡桃')).map((c: { name: string }) => c.name)).toEqual(['Hu Tao']);

    const later = await post('hutao-cjk-2', chB, 10, caption('胡桃', 'Genshin Impact', '14'), day(10));
    expect(later).toMatchObject({ status: 'new_artwork', characterId: hutao.id });
  });

  it('undoes a merge: the merged character comes back with its id, artwork and name', async () => {
    const hutao = await byName('Hu Tao');
    const merges = await s.db.query(
      `SELECT id::text, changes FROM character_changes WHERE kind = 'merge' AND character_id = $1 ORDER BY id`,
      [hutao.id],
    );
    const cjkMerge = merges.rows.find((r) => r.changes.merged.from.name === '胡桃')!;
    const r = await json('POST', `/api/v1/admin/merges/${cjkMerge.id}/undo`);
    expect(r.status).toBe(200);
    expect(r.body.restored).toMatchObject({ id: String(cjkMerge.changes.merged.from.id), name: '胡桃' });
    expect(r.body.restored.artworks.map((a: { id: string }) => a.id)).toEqual([art['hutao-cjk']]);
    expect(r.body.character.aliases.map((a: { name: string }) => a.name)).toEqual(['HuTao']);
    expect(r.body.character.artworks.map((a: { id: string }) => a.id)).toContain(art['hutao-cjk-2']); // joined after the merge: stays
    expect((await json('POST', `/api/v1/admin/merges/${cjkMerge.id}/undo`)).status).toBe(409);
    expect((await gallery('胡桃')).map((c: { name: string }) => c.name)).toContain('胡桃');
  });

  it('splits an artwork out into a character that new posts do not join', async () => {
    const raiden = await byName('Raiden Shogun');
    const r = await json('POST', `/api/v1/admin/artworks/${art['raiden-b']}/split`);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'Raiden Shogun',
      split_off: true,
      artworks: [{ id: art['raiden-b'], is_current: true }],
    });
    expect(r.body.id).not.toBe(raiden.id);
    const left = (await json('GET', `/api/v1/admin/characters/${raiden.id}`)).body;
    expect(left.artworks.map((a: { id: string }) => a.id)).toEqual([art['raiden-a']]);
    const later = await post('raiden-c', chB, 11, '🌸 Name: Raiden Shogun\n📺 Anime: Genshin Impact', day(11));
    expect(later.characterId).toBe(raiden.id);
    // splitting the only artwork of a character makes no sense
    expect((await json('POST', `/api/v1/admin/artworks/${art['raiden-b']}/split`)).status).toBe(409);
  });

  it('refuses bad merges and splits without changing anything', async () => {
    const hutao = await byName('Hu Tao');
    const before = await s.db.query('SELECT count(*)::int AS n FROM characters');
    expect((await json('POST', `/api/v1/admin/characters/${hutao.id}/merge`, { from: hutao.id })).status).toBe(400);
    expect((await json('POST', `/api/v1/admin/characters/${hutao.id}/merge`, { from: '999999' })).status).toBe(404);
    expect((await json('POST', `/api/v1/admin/characters/${hutao.id}/merge`, { from: 'abc' })).status).toBe(400);
    expect((await json('POST', `/api/v1/admin/characters/${hutao.id}/merge`, {})).status).toBe(400);
    expect((await json('POST', '/api/v1/admin/artworks/999999/split')).status).toBe(404);
    expect((await json('POST', '/api/v1/admin/merges/999999/undo')).status).toBe(404);
    expect(
      (await call('POST', `/api/v1/admin/characters/${hutao.id}/merge`, { from: '1' }, { csrf: false })).status,
    ).toBe(403);
    const anon = await fetch(`${s.url}/api/v1/admin/characters/${hutao.id}/merge`, { method: 'POST' });
    expect(anon.status).toBe(401);
    expect((await s.db.query('SELECT count(*)::int AS n FROM characters')).rows[0].n).toBe(before.rows[0].n);
  });
});

describe('data-quality queue', () => {
  it('lists captions flagged for review with the raw caption beside the parsed fields; an edit clears them', async () => {
    await post('unclear', chB, 20, 'Hyouka - Eru Chitanda', day(20)); // which side is the name? the parser is unsure
    const q = await queue('review');
    const entry = q.items.find(
      (e: { posts: Array<{ artwork_id: string }> }) => e.posts[0]?.artwork_id === art['unclear'],
    );
    expect(entry.posts[0]).toMatchObject({
      raw_caption: 'Hyouka - Eru Chitanda',
      parsed: { needs_review: true },
      channel_title: 'Genshin Drops',
    });
    expect(q.counts.review).toBe(q.total);
    const edited = await json('PATCH', `/api/v1/admin/characters/${entry.key}`, {
      name: 'Klee',
      anime: 'Genshin Impact',
    });
    expect(edited.status).toBe(200);
    expect((await queue('review')).items.map((e: { key: string }) => e.key)).not.toContain(entry.key);
  });

  it('lists one card id posted under different names, and forgets it once dismissed', async () => {
    const q = await queue('card_conflict');
    expect(q.items).toHaveLength(1);
    expect(
      q.items[0].posts.map((p: { parsed: { name: string; source_id: string } }) => [p.parsed.name, p.parsed.source_id]),
    ).toEqual([
      ['Rem', '500'],
      ['Ram', '500'],
    ]);
    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'card_conflict', key: q.items[0].key })).status,
    ).toBe(204);
    expect((await queue('card_conflict')).total).toBe(0);
  });

  it('lists the same picture (re-encoded) under two characters; merging fixes it', async () => {
    const copy = await makeVariant(img['rem']!, 'jpeg30');
    const out = await post('rem-copy', chB, 21, caption('Emilia', 'Re:Zero', '900'), day(21), copy);
    expect(out.status).toBe('created');
    const q = await queue('near_duplicate');
    const pair = q.items.find((e: { posts: Array<{ artwork_id: string }> }) =>
      e.posts.some((p) => p.artwork_id === art['rem-copy']),
    );
    expect(pair.posts.map((p: { artwork_id: string }) => p.artwork_id).sort()).toEqual(
      [art['rem'], art['rem-copy']].sort(),
    );
    expect(pair.distance).toBeLessThanOrEqual(4);
    const ram = await byName('Ram');
    expect((await json('POST', `/api/v1/admin/characters/${ram.id}/merge`, { from: out.characterId })).status).toBe(
      200,
    );
    expect((await queue('near_duplicate')).items.filter((e: { key: string }) => e.key === pair.key)).toEqual([]);
  });

  it('lists missing and truncated files; deleting the artwork removes the entry', async () => {
    const hutao = await byName('Hu Tao');
    const d = (await json('GET', `/api/v1/admin/characters/${hutao.id}`)).body;
    const [a, b] = d.artworks.slice(1, 3) as Array<{ id: string; url: string }>;
    const fileOf = (url: string) => path.join(s.imagesDir, decodeURIComponent(url.replace(/^\/images\//, '')));
    fs.rmSync(fileOf(a!.url));
    fs.truncateSync(fileOf(b!.url), 100);
    const q = await queue('missing_file');
    expect(
      q.items.map((e: { posts: Array<{ artwork_id: string }>; problem: string }) => [
        e.posts[0]!.artwork_id,
        e.problem,
      ]),
    ).toEqual(
      [
        [a!.id, 'missing'],
        [b!.id, 'size_mismatch'],
      ].sort((x, y) => Number(x[0]) - Number(y[0])),
    );
    const del = await json('DELETE', `/api/v1/admin/artworks/${a!.id}`);
    expect(del.status).toBe(200);
    expect(del.body.artworks.map((x: { id: string }) => x.id)).not.toContain(a!.id);
    expect(
      (await queue('missing_file')).items.map((e: { posts: Array<{ artwork_id: string }> }) => e.posts[0]!.artwork_id),
    ).toEqual([b!.id]);
    const hidden = await json('PATCH', `/api/v1/admin/artworks/${b!.id}`, { hidden: true });
    expect(hidden.body.artworks.find((x: { id: string }) => x.id === b!.id).hidden).toBe(true);
  });

  it('lists posts the sync skipped with their reason; retry makes one due, dismiss gives up on it', async () => {
    await recordGapFailure(s.db, {
      channelId: chA.id,
      messageId: 77,
      reason: 'download',
      error: 'FILE_REFERENCE_EXPIRED',
    });
    const q = await queue('sync_gap');
    expect(q.items).toHaveLength(1);
    expect(q.items[0]).toMatchObject({
      key: `${chA.id}:77`,
      gap: {
        channel_title: 'Waifu Spawns',
        message_id: 77,
        reason: 'download',
        attempts: 1,
        last_error: 'FILE_REFERENCE_EXPIRED',
        post_url: 'https://t.me/WaifuSpawns/77',
      },
    });
    expect((await json('POST', '/api/v1/admin/quality/retry', { kind: 'sync_gap', key: `${chA.id}:77` })).status).toBe(
      204,
    );
    const due = await s.db.query('SELECT next_attempt_at <= now() AS due FROM sync_gaps WHERE message_id = 77');
    expect(due.rows[0].due).toBe(true);
    expect((await json('POST', '/api/v1/admin/quality/retry', { kind: 'sync_gap', key: 'nonsense' })).status).toBe(400);
    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'sync_gap', key: `${chA.id}:77` })).status,
    ).toBe(204);
    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'sync_gap', key: `${chA.id}:77` })).status,
    ).toBe(404);
    expect((await queue('sync_gap')).total).toBe(0);
  });

  it('lists posts the sync kept out of the gallery with caption and reason; dismiss forgets one', async () => {
    const spawn = '🌸 A waifu has spawned! Use /guess to catch her.';
    await recordSkippedPost(s.db, { channelId: chA.id, messageId: 501, reason: 'bot_event', caption: spawn });
    await s.db.query("UPDATE skipped_posts SET skipped_at = now() - interval '1 hour'");
    await recordSkippedPost(s.db, {
      channelId: chB.id,
      messageId: 9,
      reason: 'not_character',
      caption: '🟡 Legendary\n🟣 Epic',
    });
    const q = await queue('skipped_post');
    expect(q.total).toBe(2);
    expect(q.counts.skipped_post).toBe(2);
    expect((await json('GET', '/api/v1/admin/quality/counts')).body.skipped_post).toBe(2);
    // newest first; a t.me link only when the channel has a username
    expect(q.items).toMatchObject([
      {
        kind: 'skipped_post',
        key: `${chB.id}:9`,
        posts: [],
        skipped: {
          channel_title: 'Genshin Drops',
          message_id: 9,
          reason: 'not_character',
          caption: '🟡 Legendary\n🟣 Epic',
          post_url: null,
        },
      },
      {
        kind: 'skipped_post',
        key: `${chA.id}:501`,
        skipped: {
          channel_title: 'Waifu Spawns',
          message_id: 501,
          reason: 'bot_event',
          caption: spawn,
          post_url: 'https://t.me/WaifuSpawns/501',
        },
      },
    ]);
    const page2 = (await json('GET', '/api/v1/admin/quality?kind=skipped_post&per_page=1&page=2')).body;
    expect(page2).toMatchObject({ total: 2, total_pages: 2, items: [{ key: `${chA.id}:501` }] });
    expect((await json('GET', '/api/v1/admin/quality?kind=skipped_post&per_page=1&page=5')).body).toMatchObject({
      total: 2,
      items: [],
    });

    for (const key of ['nonsense', `${chA.id}:`, `0:501`, `${chA.id}:-1`, `${chA.id}:1.5`]) {
      const bad = await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'skipped_post', key });
      expect([key, bad.status, bad.body.error?.code]).toEqual([key, 400, 'validation_failed']);
    }
    expect(
      (await json('POST', '/api/v1/admin/quality/retry', { kind: 'skipped_post', key: `${chA.id}:501` })).status,
    ).toBe(400);
    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'skipped_post', key: `${chA.id}:502` })).status,
    ).toBe(404);
    expect((await queue('skipped_post')).total).toBe(2); // nothing changed by the refused ones
    const noCsrf = await call(
      'POST',
      '/api/v1/admin/quality/dismiss',
      { kind: 'skipped_post', key: `${chA.id}:501` },
      { csrf: false },
    );
    expect(noCsrf.status).toBe(403);

    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'skipped_post', key: `${chA.id}:501` })).status,
    ).toBe(204);
    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'skipped_post', key: `${chA.id}:501` })).status,
    ).toBe(404);
    expect((await queue('skipped_post')).items.map((e: { key: string }) => e.key)).toEqual([`${chB.id}:9`]);
    expect((await s.db.query('SELECT count(*)::int AS n FROM skipped_posts')).rows[0].n).toBe(1);
    expect(
      (await json('POST', '/api/v1/admin/quality/dismiss', { kind: 'skipped_post', key: `${chB.id}:9` })).status,
    ).toBe(204);

    // a post later edited into a character post is in the gallery: no longer listed
    await recordSkippedPost(s.db, {
      channelId: chA.id,
      messageId: 610,
      reason: 'not_character',
      caption: 'Coming tomorrow!',
    });
    expect((await queue('skipped_post')).total).toBe(1);
    await post('edited', chA, 610, caption('Mikasa Ackerman', 'Attack on Titan', '6100'), day(20));
    expect(await queue('skipped_post')).toMatchObject({ total: 0, items: [], counts: { skipped_post: 0 } });
  });

  it('counts every kind for the admin home, and refuses unknown kinds', async () => {
    const counts = (await json('GET', '/api/v1/admin/quality/counts')).body;
    expect(Object.keys(counts).sort()).toEqual([
      'card_conflict',
      'missing_file',
      'near_duplicate',
      'review',
      'skipped_post',
      'sync_gap',
    ]);
    expect(counts.missing_file).toBe(0); // the truncated one was hidden: hiding is one of the fixes
    expect(counts.sync_gap).toBe(0);
    expect(counts.skipped_post).toBe(0);
    expect((await json('GET', '/api/v1/admin/quality?kind=everything')).status).toBe(400);
  });
});
