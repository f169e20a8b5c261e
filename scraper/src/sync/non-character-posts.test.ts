// Bot event messages and rarity legends arrive in channels with a picture attached; none of them may become a
// character, whether it arrives by sync, folder import, admin upload, or was stored before the parser knew it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editCharacterFields } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { NotCharacterPostError } from '@waifudex/core/captions/character-post';
import { reparseCaptions } from '@waifudex/core/services/reparse.service';
import { listSkippedPosts } from '@waifudex/core/repos/skipped-posts.repo';
import { FakeSource, photo } from '../telegram/fake-source.js';
import { testPng } from '../testing/test-png.js';
import { cap, settings, useSyncTestEnv } from '../testing/sync-helpers.js';
import { verifyFiles, type TestEnv } from '../testing/test-env.js';
import { syncTelegramChannel } from './telegram-sync.js';
import importDir from '../commands/import-dir.command.js';

const SPAWN =
  '✨ ʟᴏᴏᴋ! ᴀ ᴡᴀɪꜰᴜ ʜᴀꜱ ᴀᴘᴘᴇᴀʀᴇᴅ ✨\n✦ ᴍᴀᴋᴇ ʜᴇʀ ʏᴏᴜʀꜱ — ᴛʏᴘᴇ /ɢʀᴀʙ <ᴡᴀɪꜰᴜ_ɴᴀᴍᴇ>\n\n⏳ ᴛɪᴍᴇ ʟɪᴍɪᴛ: 3 ᴍɪɴᴜᴛᴇꜱ!';
const SPAWN_MARKDOWN = '**A New 🟣 Rare Character Appeared...**\n**/guess Character Name and add in Your Harem**';
const DESPAWN = "⏳ Time's up! The character fled.\nRarity: 🟢 Common\nAnime: Haikyuu!!";
const LEGEND = 'Rarity Map:\n1 - ⚪ Common\n2 - 🟣 Rare\n3 - 🟡 Legendary\n4 - 💮 Special Edition';
const ANNOUNCEMENT = '📢 New update tomorrow!';

let env: TestEnv;
const { target, deps, q } = useSyncTestEnv((e) => (env = e));

describe('posts that are not characters', () => {
  it('sync skips spawn, despawn, legend and announcement posts by reason, without downloading them', async () => {
    const src = new FakeSource();
    let seed = 1;
    const add = (id: number, text: string, groupedId?: string) =>
      src.add({ id, text, groupedId, media: photo(id), bytes: testPng(seed++) });
    add(1, cap('Muzan Kibutsuji', 'Demon Slayer', '07'));
    add(2, SPAWN);
    add(3, SPAWN_MARKDOWN);
    add(4, DESPAWN);
    add(5, LEGEND);
    add(6, ANNOUNCEMENT);
    add(7, ''); // a picture without a caption is still a character to name later
    // an album whose caption is a spawn message: none of its pictures is stored
    add(8, '', '77');
    add(9, SPAWN, '77');
    const t = await target(src);
    const r = await syncTelegramChannel(deps(src), t, settings);
    expect(r.status).toBe('ok');
    expect(r.counts.scanned).toBe(9);
    expect(r.counts.new).toBe(2);
    expect(r.counts.downloaded).toBe(2);
    expect(r.counts.skipped).toEqual({ bot_event: 5, not_character: 2 });
    const stored = await q<{ m: number }>('SELECT message_id::int AS m FROM artworks ORDER BY message_id');
    expect(stored.map((s) => s.m)).toEqual([1, 7]);
    expect((await q('SELECT count(*)::int AS n FROM characters'))[0].n).toBe(2);
    expect(src.calls.filter((c) => c.op === 'download').map((c) => c.arg)).toEqual([1, 7]);
    const skippedRows = await listSkippedPosts(env.db);
    expect(skippedRows.map((s) => [s.messageId, s.reason]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [2, 'bot_event'],
      [3, 'bot_event'],
      [4, 'bot_event'],
      [5, 'not_character'],
      [6, 'not_character'],
      [8, 'bot_event'],
      [9, 'bot_event'],
    ]);
    expect(skippedRows.find((s) => s.messageId === 8)!.caption).toBe(SPAWN); // the album's caption
    expect(await verifyFiles(env)).toBe(2);
    expect(fs.readdirSync(env.imagesDir, { recursive: true }).filter((f) => String(f).includes('.')).length).toBe(4);
  });

  it('ingest refuses an event caption unless a name is given by hand, and writes nothing', async () => {
    await expect(env.ingest.ingestImage({ bytes: testPng(40), caption: LEGEND })).rejects.toMatchObject({
      status: 400,
      code: 'not_a_character',
      details: { reason: 'not_character' },
    });
    await expect(env.ingest.ingestImage({ bytes: testPng(41), caption: SPAWN })).rejects.toBeInstanceOf(
      NotCharacterPostError,
    );
    expect((await q('SELECT count(*)::int AS n FROM artworks'))[0].n).toBe(0);
    expect(
      fs.existsSync(path.join(env.imagesDir, 'originals'))
        ? fs.readdirSync(path.join(env.imagesDir, 'originals')).length
        : 0,
    ).toBe(0);
    const out = await env.ingest.ingestImage({ bytes: testPng(42), caption: SPAWN, allowNonCharacter: true });
    expect(out.status).toBe('created');
  });

  it('folder import counts non-character sidecars and stores the rest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waifudex-import-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.png'), testPng(50));
      fs.writeFileSync(path.join(dir, 'a.txt'), cap('Aloy', 'Horizon', '11'));
      fs.writeFileSync(path.join(dir, 'b.png'), testPng(51));
      fs.writeFileSync(path.join(dir, 'b.txt'), LEGEND);
      const lines: string[] = [];
      const log = console.log;
      console.log = (s: string) => void lines.push(s);
      try {
        await importDir([dir], { ...env, progress: { isTTY: false, write: () => true } } as never);
      } finally {
        console.log = log;
      }
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ files: 2, created: 1, not_character: 1, failed: 0 });
      expect((await q('SELECT name FROM characters')).map((c) => c.name)).toEqual(['Aloy']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-parse hides stored event and legend posts for review, but keeps one an admin named', async () => {
    const keep = await env.ingest.ingestImage({ bytes: testPng(60), caption: cap('Rem', 'Re:Zero', '5') });
    const legend = await env.ingest.ingestImage({ bytes: testPng(61), caption: LEGEND, allowNonCharacter: true });
    const spawn = await env.ingest.ingestImage({ bytes: testPng(62), caption: SPAWN, allowNonCharacter: true });
    const named = await env.ingest.ingestImage({
      bytes: testPng(63),
      caption: SPAWN_MARKDOWN,
      allowNonCharacter: true,
    });
    await editCharacterFields(env.db, named.characterId, { name: 'Emilia' }, normalizeForSearch);

    const dry = await reparseCaptions(env.db, { dryRun: true });
    expect(dry.hiddenNotCharacter).toBe(3);
    expect((await q('SELECT count(*)::int AS n FROM characters WHERE hidden'))[0].n).toBe(0);

    const r = await reparseCaptions(env.db);
    expect(r.hiddenNotCharacter).toBe(2);
    const rows = await q<{ id: string; hidden: boolean; needs_review: boolean; name: string | null }>(
      'SELECT id::text, hidden, needs_review, name FROM characters ORDER BY id',
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(keep.characterId)).toMatchObject({ hidden: false, name: 'Rem' });
    expect(byId.get(legend.characterId)).toMatchObject({ hidden: true, needs_review: true, name: null });
    expect(byId.get(spawn.characterId)).toMatchObject({ hidden: true, needs_review: true });
    expect(byId.get(named.characterId)).toMatchObject({ hidden: false, name: 'Emilia' });
    expect((await reparseCaptions(env.db)).hiddenNotCharacter).toBe(0); // a second pass changes nothing
  });
});
