/**
 * Every export shape real users have, written by a generator that follows Telegram Desktop's writers,
 * imported through the `import-export` command end to end: each must store the same characters as the
 * JSON single-chat export of the same posts. Then the hand-off to the API sync and --rescan edits.
 */
import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@waifudex/core/config/env';
import { editCharacterFields } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { listGaps } from '@waifudex/core/repos/sync-gaps.repo';
import importExport from '../commands/import-export.command.js';
import type { CommandContext } from '../context.js';
import { FakeSource, photo } from '../telegram/fake-source.js';
import { createTestEnv, resetTestEnv, verifyFiles, type TestEnv } from '../testing/test-env.js';
import { testPng } from '../testing/test-png.js';
import { settings, syncHelpers } from '../testing/sync-helpers.js';
import {
  writeTdesktopExport,
  type ExportShape,
  type FixtureChat,
  type FixturePost,
  type FixtureTextPart,
} from '../testing/tdesktop-export-writer.js';
import { syncTelegramChannel } from '../sync/telegram-sync.js';
import { fixControlEscapes } from './tdesktop-json.js';
import { readExportChats } from './desktop-export.js';
import { UserError } from '@waifudex/core/errors';

const SHARED = path.resolve(__dirname, '../../../../shared');
const CASES = path.join(SHARED, 'captions/cases.jsonl');
const GALLERY = path.join(SHARED, 'images/gallery');
const available = fs.existsSync(CASES) && fs.existsSync(GALLERY);
if (!available) console.warn(`[export-shapes.test] SKIPPED: shared fixtures missing (${CASES}, ${GALLERY})`);

const CHANNEL_ID = '1987654321';

/** A caption as channels format it: "Label:" in bold, the rest plain. */
function parts(caption: string): FixtureTextPart[] {
  const out: FixtureTextPart[] = [];
  caption.split('\n').forEach((line, i, lines) => {
    const label = /^([A-Za-z ]+:)(.*)$/.exec(line);
    if (label) out.push({ type: 'bold', text: label[1]! }, { type: 'plain', text: label[2]! });
    else out.push({ type: 'plain', text: line });
    if (i < lines.length - 1) out.push({ type: 'plain', text: '\n' });
  });
  const merged: FixtureTextPart[] = [];
  for (const p of out.filter((x) => x.text !== '')) {
    const prev = merged.at(-1);
    if (prev && prev.type === 'plain' && p.type === 'plain') prev.text += p.text;
    else merged.push({ ...p });
  }
  return merged;
}

let images: string[] = [];
const image = (i: number) => fs.readFileSync(path.join(GALLERY, images[i]!));

/** The channel: catcher-bot posts, an album, an image sent as a file, files the export left out, control characters, other media. */
function channelPosts(): FixturePost[] {
  const cases = fs
    .readFileSync(CASES, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { caption: string });
  const posts: FixturePost[] = [{ id: 1, date: 1_600_000_000, text: [], service: 'create_channel' }];
  let id = 2;
  let t = 1_600_000_100;
  let img = 0;
  const add = (p: Omit<FixturePost, 'id' | 'date'>, sameSecond = false) => {
    if (!sameSecond) t += 1000; // > 15 min apart: a new block in HTML
    posts.push({ id: id++, date: t, ...p });
  };
  for (const c of cases.slice(0, 14)) {
    add({ text: parts(c.caption), media: { kind: 'photo', bytes: image(img++), width: 256, height: 256 } });
  }
  // an album: three photos of the same second, the caption on the first
  add({
    text: parts('Character Name: Album Girl\nAnime Name: Album Show\nRarity: 🟡 Legendary\nID: 7001'),
    media: { kind: 'photo', bytes: image(img++), width: 256, height: 256 },
  });
  add({ text: [], media: { kind: 'photo', bytes: image(img++), width: 256, height: 256 } }, true);
  add({ text: [], media: { kind: 'photo', bytes: image(img++), width: 256, height: 256 } }, true);
  add({
    text: parts('Character Name: File Girl\nAnime Name: Sent As File\nID: 7002'),
    media: { kind: 'file', name: 'hq art.jpg', mime: 'image/jpeg', bytes: image(img++) },
  });
  add({
    text: parts('Character Name: Vertical\u000bTab\nAnime Name: Control\u0001Show\nID: 7003'),
    media: { kind: 'photo', bytes: image(img), width: 256, height: 256 },
  });
  add({
    text: parts('Character Name: Too Big\nAnime Name: Huge Files\nID: 7004'),
    media: { kind: 'file_missing', reason: 'FileSize', name: 'huge.png', mime: 'image/png', size: 30_000_000 },
  });
  add({
    text: parts('Character Name: Not Included\nAnime Name: Defaults\nID: 7005'),
    media: { kind: 'photo_missing', reason: 'FileType', width: 1280, height: 1280, size: 9_000_000 },
  });
  add({
    text: parts('Character Name: Unavailable\nAnime Name: Try Later\nID: 7006'),
    media: { kind: 'photo_missing', reason: 'Unavailable', width: 800, height: 800, size: 200_000 },
  });
  add({ text: [], media: { kind: 'sticker', bytes: Buffer.from('RIFF') } });
  add({ text: [{ type: 'plain', text: 'a clip' }], media: { kind: 'video', bytes: Buffer.from('mp4') } });
  add({
    text: [
      { type: 'plain', text: 'Giveaway tonight ' },
      { type: 'hashtag', text: '#waifu' },
    ],
  });
  return posts;
}

let chats: FixtureChat[];
let env: TestEnv;
let tmp: string;
let n = 0;
const newDir = () => path.join(tmp, `export-${++n}`);

const silent = new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream;
const ctx = (): CommandContext => ({
  config: loadConfig({}),
  db: env.db,
  logger: env.logger,
  ingest: env.ingest,
  images: createLocalImageStore(env.imagesDir),
  progress: silent,
});
const { q } = syncHelpers(() => env);

/** What the gallery holds: per post, the character fields and the image. */
const gallery = () =>
  q(`SELECT a.message_id::int AS message, c.name, c.anime, c.rarity, c.source_id, a.sha256, a.grouped_id IS NOT NULL AS in_album
     FROM artworks a JOIN characters c ON c.id = a.character_id ORDER BY a.message_id`);
const gaps = () => q(`SELECT message_id::int AS message, reason FROM sync_gaps ORDER BY message_id`);

describe.skipIf(!available)('Telegram Desktop export shapes', () => {
  let baseline: { gallery: unknown[]; gaps: unknown[] };

  beforeAll(async () => {
    env = await createTestEnv();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tdesktop-shapes-'));
    images = fs
      .readdirSync(GALLERY)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    chats = [
      { id: CHANNEL_ID, name: 'Waifu Cards', type: 'public_channel', posts: channelPosts() },
      {
        id: '5550001',
        name: 'Alice',
        type: 'personal_chat',
        posts: [
          {
            id: 1,
            date: 1_600_000_500,
            text: [{ type: 'plain', text: 'hi' }],
            media: { kind: 'photo', bytes: image(40), width: 10, height: 10 },
          },
        ],
      },
      {
        id: '1876543210',
        name: 'Husbando Vault',
        type: 'private_channel',
        posts: [
          {
            id: 3,
            date: 1_600_000_900,
            text: parts('Character Name: Levi\nAnime Name: Attack on Titan\nID: 12'),
            media: { kind: 'photo', bytes: image(41), width: 256, height: 256 },
          },
        ],
      },
    ];
    const dir = newDir();
    writeTdesktopExport(dir, 'json', chats);
    await importExport([dir], ctx());
    baseline = { gallery: await gallery(), gaps: await gaps() };
  });
  beforeEach(async () => {
    await resetTestEnv(env);
  });
  afterAll(async () => {
    await env?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the JSON single-chat baseline stores every image with its caption', () => {
    const g = baseline.gallery as { message: number; name: string; anime: string; in_album: boolean }[];
    expect(g).toHaveLength(14 + 3 + 1 + 1);
    expect(g.filter((r) => r.in_album).map((r) => r.name)).toEqual(['Album Girl', 'Album Girl', 'Album Girl']);
    expect(g.find((r) => r.name === 'File Girl')).toBeTruthy();
    // the caption with control characters is read (the parser drops them from the fields)
    expect(g.find((r) => r.name === 'VerticalTab')?.anime).toBe('ControlShow');
    expect(baseline.gaps).toEqual([
      { message: 21, reason: 'export_file_not_included' },
      { message: 22, reason: 'export_file_not_included' },
      { message: 23, reason: 'export_file_unavailable' },
    ]);
  });

  it.each<[ExportShape, string[]]>([
    ['json-2021', []],
    ['json-2020', []],
    ['html', ['--channel-id', `https://t.me/c/${CHANNEL_ID}/5`]],
    ['json-account', ['--chat', 'Waifu Cards']],
  ])('%s imports the same characters as the JSON export', async (shape, flags) => {
    const dir = newDir();
    writeTdesktopExport(dir, shape, chats, { htmlPageSize: 10 });
    await importExport([dir, ...flags], ctx());
    expect(await gallery()).toEqual(baseline.gallery);
    expect(await gaps()).toEqual(baseline.gaps);
    const ch = await q(`SELECT peer_id::text AS peer, title, last_message_id::int AS last FROM channels`);
    expect(ch).toEqual([{ peer: CHANNEL_ID, title: 'Waifu Cards', last: 26 }]);
    expect(await verifyFiles(env)).toBe(baseline.gallery.length);
  });

  it('a full-account export imports every channel in it (not personal chats) unless --chat names some', async () => {
    const dir = newDir();
    writeTdesktopExport(dir, 'json-account', chats);
    expect(fs.existsSync(path.join(dir, 'chats/chat_1/photos'))).toBe(true);
    await importExport([dir], ctx());
    const ch = await q(`SELECT peer_id::text AS peer, title FROM channels ORDER BY title`);
    expect(ch).toEqual([
      { peer: '1876543210', title: 'Husbando Vault' },
      { peer: CHANNEL_ID, title: 'Waifu Cards' },
    ]);
    expect((await gallery()).filter((r) => r.name === 'Levi')).toHaveLength(1);
    await expect(importExport([dir, '--chat', 'Nope'], ctx())).rejects.toThrow(/no chat named Nope.*Husbando Vault/);
  });

  it('an HTML export without --channel-id is a clear one-line refusal that changes nothing', async () => {
    const dir = newDir();
    writeTdesktopExport(dir, 'html', chats);
    const err = await importExport([dir], ctx()).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/--channel-id/);
    expect(err.message).not.toContain('\n');
    expect(await q('SELECT * FROM channels')).toEqual([]);
  });

  it('reads the control-character escapes Telegram Desktop writes (\\xHH), not escaped backslashes', () => {
    expect(JSON.parse(fixControlEscapes('"a\\x0Bb"'))).toBe('a\u000bb');
    expect(JSON.parse(fixControlEscapes('"a\\\\x0Bb"'))).toBe('a\\x0Bb');
    const dir = newDir();
    writeTdesktopExport(dir, 'json', chats);
    expect(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')).toContain('Vertical\\x0BTab');
    const [exp] = readExportChats(dir);
    expect(exp!.invalid).toBe(0);
  });

  it('hand-off: the first API sync after an import fetches by id the posts whose file the export left out', async () => {
    const dir = newDir();
    writeTdesktopExport(dir, 'json', chats);
    await importExport([dir], ctx());
    const src = new FakeSource({ peerId: CHANNEL_ID, username: 'waifucards', title: 'Waifu Cards' });
    src.add({
      id: 21,
      text: 'Character Name: Too Big\nAnime Name: Huge Files\nID: 7004',
      media: photo(21),
      bytes: testPng(21),
    });
    src.add({
      id: 22,
      text: 'Character Name: Not Included\nAnime Name: Defaults\nID: 7005',
      media: photo(22),
      bytes: testPng(22),
    });
    // 23 (unavailable in the export) was deleted since; 27 is new
    src.add({
      id: 27,
      text: 'Character Name: Newcomer\nAnime Name: After Export\nID: 7007',
      media: photo(27),
      bytes: testPng(27),
    });
    const helpers = syncHelpers(() => env);
    const target = await helpers.target(src, '@waifucards');
    expect(target.channel.lastMessageId).toBe(26); // the export row, resumed after its last id
    const r = await syncTelegramChannel(helpers.deps(src), target, { ...settings, recheckDays: 0 });
    expect(r.status).toBe('ok');
    expect(r.counts.gapsFilled).toBe(3);
    expect(r.counts.gapsOpen).toBe(0);
    expect(await listGaps(env.db, target.channel.id)).toEqual([]);
    const names = (await gallery()).map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['Too Big', 'Not Included', 'Newcomer']));
    expect(names).toHaveLength(baseline.gallery.length + 3);
  });

  it('--rescan applies captions edited since the last import, keeping hand edits', async () => {
    const v1 = newDir();
    writeTdesktopExport(v1, 'json', chats);
    await importExport([v1], ctx());
    const before = await q(
      `SELECT c.id, c.name, a.message_id::int AS message FROM artworks a JOIN characters c ON c.id = a.character_id ORDER BY a.message_id`,
    );
    const a = before.find((r) => r.name === 'File Girl')!;
    const b = before.find((r) => r.name === 'VerticalTab')!;
    await editCharacterFields(env.db, a.id, { name: 'Hand Edited' }, normalizeForSearch);

    const edited: FixtureChat[] = chats.map((c) => ({ ...c, posts: c.posts.map((p) => ({ ...p })) }));
    const postA = edited[0]!.posts.find((p) => p.id === a.message)!;
    const postB = edited[0]!.posts.find((p) => p.id === b.message)!;
    postA.text = parts('Character Name: Whatever\nAnime Name: Renamed Show\nID: 7002');
    postA.edited = postA.date + 3600;
    postB.text = parts('Character Name: Corrected Name\nAnime Name: Fixed Anime\nID: 7003');
    postB.edited = postB.date + 3600;
    const v2 = newDir();
    writeTdesktopExport(v2, 'json', edited);
    await importExport([v2, '--rescan'], ctx());
    const after = await q(
      `SELECT c.id, c.name, c.anime, c.edited_fields FROM characters c WHERE c.id = ANY($1::bigint[]) ORDER BY c.id`,
      [[a.id, b.id]],
    );
    const byId = new Map(after.map((r) => [r.id, r]));
    expect(byId.get(a.id)).toMatchObject({ name: 'Hand Edited', anime: 'Renamed Show' });
    expect(byId.get(b.id)).toMatchObject({ name: 'Corrected Name', anime: 'Fixed Anime' });
    const run = await q(`SELECT counts FROM sync_runs ORDER BY id DESC LIMIT 1`);
    expect(run[0].counts.updated).toBe(2);
  });
});
