import { describe, expect, it } from 'vitest';
import { findChannelById } from '@waifudex/core/repos/channels.repo';
import { editCharacterFields } from '@waifudex/core/repos/characters.repo';
import { findRunById } from '@waifudex/core/repos/sync-runs.repo';
import { listCharacterChanges } from '@waifudex/core/repos/character-changes.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { FakeSource, imageDocument, photo, skipped } from '../telegram/fake-source.js';
import { SessionExpiredError } from '../telegram/source.js';
import { testPng } from '../testing/test-png.js';
import { cap, settings, useSyncTestEnv } from '../testing/sync-helpers.js';
import { verifyFiles, type TestEnv } from '../testing/test-env.js';
import { syncTelegramChannel } from './telegram-sync.js';

let env: TestEnv;
const { target, deps, q } = useSyncTestEnv((e) => (env = e));

describe('telegram sync with a fake source', () => {
  it('stores photos and image documents in batches, propagates album captions, skips other media by reason', async () => {
    const src = new FakeSource();
    let seed = 1;
    const img = () => testPng(seed++);
    src.add({ id: 1, text: cap('Muzan Kibutsuji', 'Demon Slayer', '07'), media: photo(1), bytes: img() });
    src.add({ id: 2, text: 'just text', media: skipped('no_media') });
    // album: caption on the middle item, spanning a batch boundary (batch size 5: ids 1-5 then 6-…)
    src.add({ id: 4, groupedId: '900', media: photo(4), bytes: img() });
    src.add({
      id: 5,
      groupedId: '900',
      text: cap('Kaguya Shinomiya', 'Kaguya Sama', '58', 'Rare'),
      media: photo(5),
      bytes: img(),
    });
    src.add({ id: 6, groupedId: '900', media: photo(6), bytes: img() });
    src.add({ id: 7, text: cap('Aloy', 'Genshin Impact', '1122'), media: imageDocument(7), bytes: img() });
    src.add({ id: 8, media: skipped('video') });
    src.add({ id: 9, media: skipped('gif') });
    src.add({ id: 10, media: skipped('sticker') });
    src.add({ id: 11, media: skipped('video') });
    src.add({ id: 12, text: 'Nezuko Kamado (no id here)', media: photo(12), bytes: img() });
    const t = await target(src);
    const r = await syncTelegramChannel(deps(src), t, settings);
    expect(r.status).toBe('ok');
    expect(r.counts.scanned).toBe(11);
    expect(r.counts.new).toBe(6);
    expect(r.counts.downloaded).toBe(6);
    expect(r.counts.skipped).toEqual({ no_media: 1, video: 2, gif: 1, sticker: 1 });
    expect((await findChannelById(env.db, t.channel.id))!.lastMessageId).toBe(12);

    const albums =
      await q(`SELECT a.message_id::int AS m, c.name, c.source_id, c.id FROM artworks a JOIN characters c ON c.id = a.character_id
      WHERE a.grouped_id = 900 ORDER BY a.message_id`);
    expect(albums.map((a) => a.m)).toEqual([4, 5, 6]);
    expect(new Set(albums.map((a) => a.name))).toEqual(new Set(['Kaguya Shinomiya']));
    expect(new Set(albums.map((a) => a.id)).size).toBe(1); // same character id → one character, three artworks
    const doc = await q(
      `SELECT a.mime, c.name FROM artworks a JOIN characters c ON c.id = a.character_id WHERE a.message_id = 7`,
    );
    expect(doc[0]).toMatchObject({ mime: 'image/png', name: 'Aloy' });
    const noId = await q(
      `SELECT c.source_id, c.raw_caption FROM artworks a JOIN characters c ON c.id = a.character_id WHERE a.message_id = 12`,
    );
    expect(noId[0].raw_caption).toBe('Nezuko Kamado (no id here)');
    // album siblings are not reposts
    expect(await q(`SELECT * FROM character_changes`)).toHaveLength(0);

    const run = (await findRunById(env.db, r.runId!))!;
    expect(run.status).toBe('ok');
    expect(run.counts).toMatchObject({ scanned: 11, new: 6, failed: 0 });
    expect(await verifyFiles(env)).toBe(6);

    // a second run finds nothing new and changes nothing
    const again = await syncTelegramChannel(deps(src), t, settings);
    expect(again.counts).toMatchObject({ scanned: 0, new: 0, updated: 0, hidden: 0 });
    // the channel was resolved once and then remembered
    await target(src);
    expect(src.calls.filter((c) => c.op === 'resolve')).toHaveLength(1);
  });

  it('sleeps exactly the FloodWait seconds, retries network errors with backoff, records a message that keeps failing', async () => {
    const src = new FakeSource();
    for (let i = 1; i <= 6; i++)
      src.add({ id: i, text: cap(`Name ${i}`, 'Anime', String(100 + i)), media: photo(i), bytes: testPng(i) });
    src.floodWait('fetch', 17, 1);
    src.floodWait('download', 3, 1, 2);
    src.networkError('download', 2, 3);
    src.fail({ op: 'download', messageId: 5, times: Infinity, error: () => new Error('boom') });
    const t = await target(src);
    const r = await syncTelegramChannel(deps(src), t, { ...settings, concurrency: 1 });
    expect(r.status).toBe('ok');
    expect(env.sleeps.filter((s) => s === 17_000)).toHaveLength(1);
    expect(env.sleeps.filter((s) => s === 3_000)).toHaveLength(1);
    expect(r.counts.floodWaitSeconds).toBe(20);
    // network: two failures → backoff 1 s then 2 s; message 5: 4 attempts → 1, 2, 4 s
    expect(env.sleeps.filter((s) => s !== 17_000 && s !== 3_000)).toEqual([1000, 2000, 1000, 2000, 4000]);
    expect(r.counts.new).toBe(5);
    expect(r.counts.failed).toBe(1);
    const run = (await findRunById(env.db, r.runId!))!;
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatchObject({ messageId: 5 });
    expect(run.errors[0]!.error).toContain('boom');
    // the failed message is skipped, not retried forever: the resume point moved past it
    expect((await findChannelById(env.db, t.channel.id))!.lastMessageId).toBe(6);
  });

  it('applies caption edits (keeping admin-edited fields) and hides deleted posts; reposts add a current artwork', async () => {
    const src = new FakeSource();
    src.add({ id: 1, text: cap('Muzan', 'Demon Slayer', '07'), media: photo(1), bytes: testPng(1) });
    src.add({ id: 2, text: cap('Aloy', 'Genshin', '08'), media: photo(2), bytes: testPng(2) });
    src.add({ id: 3, text: cap('Albedo', 'Genshin', '09'), media: photo(3), bytes: testPng(3) });
    const t = await target(src);
    await syncTelegramChannel(deps(src), t, settings);
    const [muzan] = await q(`SELECT c.id FROM characters c WHERE source_id = '07'`);
    // an admin fixes the name by hand
    await editCharacterFields(env.db, muzan.id, { name: 'Muzan Kibutsuji (admin)' }, normalizeForSearch);
    // the bot edits the caption in place: name, anime and rarity change
    src.edit(1, cap('Muzan K.', 'Kimetsu no Yaiba', '07', 'Rare'));
    // the bot deletes Aloy's post and reposts it under the same id with new art
    src.delete(2);
    src.add({ id: 4, text: cap('Aloy', 'Genshin Impact', '08'), media: photo(4), bytes: testPng(4) });
    // Albedo is deleted for good
    src.delete(3);
    const r = await syncTelegramChannel(deps(src), t, settings);
    expect(r.status).toBe('ok');
    expect(r.counts).toMatchObject({ new: 1, updated: 1, hidden: 2 });

    const [m] = await q(`SELECT name, anime, rarity, hidden FROM characters WHERE id = $1`, [muzan.id]);
    expect(m).toMatchObject({
      name: 'Muzan Kibutsuji (admin)',
      anime: 'Kimetsu no Yaiba',
      rarity: 'Rare',
      hidden: false,
    });
    const changes = await listCharacterChanges(env.db, muzan.id);
    expect(changes[0]).toMatchObject({ kind: 'caption_edit', messageId: 1 });
    expect(Object.keys(changes[0]!.changes).sort()).toEqual(['anime', 'rarity']);

    const aloy = await q(`SELECT c.id, c.hidden, c.anime FROM characters c WHERE source_id = '08'`);
    expect(aloy).toHaveLength(1);
    expect(aloy[0]).toMatchObject({ hidden: false, anime: 'Genshin Impact' });
    const aloyArt = await q(
      `SELECT message_id::int AS m, is_current, hidden FROM artworks WHERE character_id = $1 ORDER BY message_id`,
      [aloy[0].id],
    );
    expect(aloyArt).toEqual([
      { m: 2, is_current: false, hidden: true },
      { m: 4, is_current: true, hidden: false },
    ]);
    expect((await listCharacterChanges(env.db, aloy[0].id)).map((c) => c.kind)).toEqual(['repost']);

    const [albedo] = await q(
      `SELECT c.hidden, a.hidden AS art_hidden FROM characters c JOIN artworks a ON a.character_id = c.id WHERE c.source_id = '09'`,
    );
    expect(albedo).toEqual({ hidden: true, art_hidden: true }); // hidden, never destroyed
  });

  it('stops on an expired session without losing committed messages', async () => {
    const src = new FakeSource();
    for (let i = 1; i <= 4; i++)
      src.add({ id: i, text: cap(`N${i}`, 'A', String(i)), media: photo(i), bytes: testPng(i) });
    src.fail({ op: 'download', messageId: 3, times: 1, error: () => new SessionExpiredError('AUTH_KEY_UNREGISTERED') });
    const t = await target(src);
    const r = await syncTelegramChannel(deps(src), t, { ...settings, concurrency: 1 });
    expect(r.status).toBe('failed');
    expect(r.fatal).toBeInstanceOf(SessionExpiredError);
    expect((await findChannelById(env.db, t.channel.id))!.lastMessageId).toBe(2);
    const r2 = await syncTelegramChannel(deps(src), t, settings);
    expect(r2.status).toBe('ok');
    expect((await q('SELECT count(*)::int AS n FROM artworks'))[0].n).toBe(4);
  });
});
