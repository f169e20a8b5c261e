import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, verifyFiles, type TestEnv } from '../testing/test-env.js';
import { dryRunDesktopExport, exportText, importDesktopExport, readDesktopExport } from './desktop-export.js';
import { nonCharacterReason } from '@waifudex/core/captions/character-post';

const SHARED = path.resolve(__dirname, '../../../../shared');
const CASES = path.join(SHARED, 'captions/cases.jsonl');
const GALLERY = path.join(SHARED, 'images/gallery');
const available = fs.existsSync(CASES) && fs.existsSync(GALLERY);
if (!available) console.warn(`[desktop-export.test] SKIPPED: shared fixtures missing (${CASES}, ${GALLERY})`);

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** An HTML/Markdown-ish caption → the export's `text` array (strings and entity objects), as Telegram Desktop writes it. */
function toTextArray(caption: string, repr: string): Array<string | Record<string, string>> {
  const parts: Array<string | Record<string, string>> = [];
  if (repr === 'text_html') {
    const re = /<(strong|b|i|em|u|code|a)(?:\s+href="([^"]*)")?>([\s\S]*?)<\/\1>/g;
    let last = 0;
    for (let m = re.exec(caption); m; m = re.exec(caption)) {
      if (m.index > last) parts.push(unescape(caption.slice(last, m.index).replace(/<[^>]+>/g, '')));
      const tag = m[1]!;
      const text = unescape(m[3]!.replace(/<[^>]+>/g, ''));
      if (tag === 'a')
        parts.push({
          type: m[2]!.startsWith('tg://user') ? 'mention_name' : 'text_link',
          text,
          ...(m[2]!.startsWith('tg://user') ? { user_id: m[2]!.replace(/\D/g, '') } : { href: m[2]! }),
        });
      else
        parts.push({
          type:
            tag === 'strong' || tag === 'b' ? 'bold' : tag === 'code' ? 'code' : tag === 'u' ? 'underline' : 'italic',
          text,
        });
      last = re.lastIndex;
    }
    if (last < caption.length) parts.push(unescape(caption.slice(last).replace(/<[^>]+>/g, '')));
  } else if (repr === 'text_md') {
    const re = /\*\*([^*]+)\*\*|__([^_]+)__|`([^`]+)`/g;
    let last = 0;
    for (let m = re.exec(caption); m; m = re.exec(caption)) {
      if (m.index > last) parts.push(caption.slice(last, m.index));
      parts.push(
        m[1] ? { type: 'bold', text: m[1] } : m[2] ? { type: 'italic', text: m[2] } : { type: 'code', text: m[3]! },
      );
      last = re.lastIndex;
    }
    if (last < caption.length) parts.push(caption.slice(last));
  } else {
    // plain text with an emoji-free bold label line where there is one, like channels format them
    const lines = caption.split('\n');
    lines.forEach((line, i) => {
      const label = /^([A-Za-z ]+:)(.*)$/.exec(line);
      if (label) parts.push({ type: 'bold', text: label[1]! }, label[2]!);
      else parts.push(line);
      if (i < lines.length - 1) parts.push('\n');
    });
  }
  // Telegram Desktop writes a plain string when there are no entities
  return parts.every((p) => typeof p === 'string') ? [parts.join('')] : parts.filter((p) => p !== '');
}

function textEntities(parts: Array<string | Record<string, string>>) {
  return parts.map((p) => (typeof p === 'string' ? { type: 'plain', text: p } : p));
}

let env: TestEnv;
let exportDir: string;
let photoMessages = 0;

function buildExport(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tdesktop-export-'));
  fs.mkdirSync(path.join(dir, 'photos'));
  fs.mkdirSync(path.join(dir, 'files'));
  const cases = fs
    .readFileSync(CASES, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const images = fs
    .readdirSync(GALLERY)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, cases.length + 10);
  const messages: Record<string, unknown>[] = [];
  let id = 1;
  let t = 1_700_000_000;
  const base = (extra: Record<string, unknown>) => {
    const date = new Date(t * 1000).toISOString().slice(0, 19);
    const m = {
      id: id++,
      type: 'message',
      date,
      date_unixtime: String(t),
      from: 'Waifu Cards',
      from_id: 'channel1987654321',
      ...extra,
    };
    t += 60;
    messages.push(m);
    return m;
  };
  messages.push({
    id: id++,
    type: 'service',
    date: '2023-11-14T22:00:00',
    date_unixtime: String(t - 100),
    actor: 'Waifu Cards',
    actor_id: 'channel1987654321',
    action: 'create_channel',
    title: 'Waifu Cards',
    text: '',
    text_entities: [],
  });
  let img = 0;
  const copyPhoto = () => {
    const src = images[img++]!;
    const rel = `photos/photo_${img}@${new Date(t * 1000).toISOString().slice(0, 10)}.jpg`;
    fs.copyFileSync(path.join(GALLERY, src), path.join(dir, rel));
    photoMessages++;
    return rel;
  };
  cases.forEach((c, i) => {
    const text = toTextArray(c.caption, c.repr);
    if (i === 5) {
      // an album: three photos in the same second, the caption on the first only
      const first = base({
        photo: copyPhoto(),
        photo_file_size: 1,
        width: 256,
        height: 256,
        text,
        text_entities: textEntities(text),
      });
      t = Number(first.date_unixtime);
      base({ photo: copyPhoto(), width: 256, height: 256, text: '', text_entities: [] });
      t = Number(first.date_unixtime);
      base({ photo: copyPhoto(), width: 256, height: 256, text: '', text_entities: [] });
      return;
    }
    if (i === 7) {
      // an image sent as a file
      const src = images[img++]!;
      fs.copyFileSync(path.join(GALLERY, src), path.join(dir, 'files', 'hq art.jpg'));
      photoMessages++;
      base({
        file: 'files/hq art.jpg',
        file_name: 'hq art.jpg',
        mime_type: 'image/jpeg',
        text,
        text_entities: textEntities(text),
      });
      return;
    }
    base({ photo: copyPhoto(), width: 256, height: 256, text, text_entities: textEntities(text) });
  });
  base({
    file: 'files/sticker.webp',
    media_type: 'sticker',
    sticker_emoji: '😀',
    mime_type: 'image/webp',
    text: '',
    text_entities: [],
  });
  base({
    file: 'files/clip.mp4',
    media_type: 'video_file',
    mime_type: 'video/mp4',
    duration_seconds: 3,
    text: 'a clip',
    text_entities: [{ type: 'plain', text: 'a clip' }],
  });
  base({ file: 'files/anim.mp4', media_type: 'animation', mime_type: 'video/mp4', text: '', text_entities: [] });
  base({
    photo: '(File not included. Change data exporting settings to download.)',
    width: 100,
    height: 100,
    text: 'not downloaded',
    text_entities: [{ type: 'plain', text: 'not downloaded' }],
  });
  base({
    text: ['Giveaway tonight ', { type: 'hashtag', text: '#waifu' }],
    text_entities: [
      { type: 'plain', text: 'Giveaway tonight ' },
      { type: 'hashtag', text: '#waifu' },
    ],
  });
  fs.writeFileSync(
    path.join(dir, 'result.json'),
    JSON.stringify({ name: 'Waifu Cards', type: 'public_channel', id: 1987654321, messages }, null, 1),
  );
  return dir;
}

describe.skipIf(!available)('Telegram Desktop export import', () => {
  beforeAll(async () => {
    env = await createTestEnv();
    exportDir = buildExport();
  });
  afterAll(async () => {
    await env?.close();
    if (exportDir) fs.rmSync(exportDir, { recursive: true, force: true });
  });

  it('reads text arrays with entity objects into caption text and UTF-16 entities', () => {
    const r = exportText({
      text: [
        '🟡 ',
        { type: 'bold', text: 'Name:' },
        ' Muzan ',
        { type: 'text_link', text: 'src', href: 'https://x.y' },
      ],
    });
    expect(r.text).toBe('🟡 Name: Muzan src');
    expect(r.entities).toEqual([
      { type: 'bold', offset: 3, length: 5 },
      { type: 'text_link', offset: 15, length: 3, url: 'https://x.y' },
    ]);
    expect(exportText({ text: 'plain' })).toEqual({ text: 'plain', entities: [] });
  });

  it('imports completely, and importing twice changes nothing', async () => {
    const exp = readDesktopExport(exportDir);
    expect(exp.channel).toMatchObject({ id: '1987654321', name: 'Waifu Cards' });
    const deps = { db: env.db, ingest: env.ingest, apply: env.apply, logger: env.logger, sleep: env.sleep };

    const lines: string[] = [];
    const n = await dryRunDesktopExport(deps, exp, {
      write: (s: string) => lines.push(s),
    } as unknown as NodeJS.WritableStream);
    expect(n).toBe(exp.messages.length);
    expect((await env.db.query('SELECT count(*)::int AS n FROM channels')).rows[0].n).toBe(0);

    const { channel, result } = await importDesktopExport(deps, exp, {
      batchSize: 25,
      concurrency: 3,
      publishIntervalMs: 0,
    });
    expect(result.status).toBe('ok');
    expect(result.counts.failed).toBe(0);
    expect(result.counts.scanned).toBe(exp.messages.length);
    expect(result.counts.skipped).toMatchObject({
      service: 1,
      sticker: 1,
      video: 1,
      gif: 1,
      file_not_included: 1,
      no_media: 1,
    });
    const stored = (await env.db.query('SELECT count(*)::int AS n FROM artworks WHERE channel_id = $1', [channel.id]))
      .rows[0].n;
    const dup = result.counts.skipped.duplicate_image ?? 0;
    // bot event messages and legends among the cases carry a picture but are not characters
    const notCharacters = exp.messages.filter(
      (m) =>
        m.media.kind !== 'skip' &&
        nonCharacterReason(m.text.trim() ? env.ingest.parse(m.text, channel, m.entities) : null, m.text),
    );
    const notCharacterSkips = (result.counts.skipped.bot_event ?? 0) + (result.counts.skipped.not_character ?? 0);
    expect(notCharacterSkips).toBe(notCharacters.length);
    expect(stored + dup + notCharacterSkips).toBe(photoMessages);
    expect(stored).toBeGreaterThan(photoMessages - notCharacterSkips - 3);
    expect(await verifyFiles(env)).toBe(stored);
    const after = (await env.db.query('SELECT last_message_id::int AS l FROM channels WHERE id = $1', [channel.id]))
      .rows[0].l;
    expect(after).toBe(exp.messages.at(-1)!.id);

    // the album caption reached all three images
    const album = await env.db.query(
      `SELECT c.raw_caption FROM artworks a JOIN characters c ON c.id = a.character_id WHERE a.grouped_id IS NOT NULL`,
    );
    expect(album.rows).toHaveLength(3);
    expect(new Set(album.rows.map((r) => r.raw_caption)).size).toBe(1);
    expect(album.rows[0].raw_caption.length).toBeGreaterThan(0);
    // fields equal what the shared parser gives for the same text and entities
    const check = await env.db.query(
      `SELECT a.message_id::int AS id, c.name, c.anime, c.source_id FROM artworks a JOIN characters c ON c.id = a.character_id ORDER BY a.message_id`,
    );
    const byId = new Map(exp.messages.map((m) => [m.id, m]));
    let sameAsParser = 0;
    for (const r of check.rows) {
      const m = byId.get(r.id)!;
      if (!m.text.trim()) continue;
      const p = env.ingest.parse(m.text, channel, m.entities);
      if (p.name === r.name && p.anime === r.anime) sameAsParser++;
    }
    // characters keyed on a repeated source id take the latest caption, so a few differ
    expect(sameAsParser).toBeGreaterThan(check.rows.length * 0.6);

    const snapshot = async () =>
      JSON.stringify([
        (await env.db.query('SELECT * FROM characters ORDER BY id')).rows,
        (await env.db.query('SELECT * FROM artworks ORDER BY id')).rows,
        (await env.db.query('SELECT * FROM channels ORDER BY id')).rows,
        (await env.db.query('SELECT * FROM character_changes ORDER BY id')).rows,
      ]);
    const before = await snapshot();
    const again = await importDesktopExport(deps, readDesktopExport(path.join(exportDir, 'result.json')), {
      batchSize: 25,
      concurrency: 3,
      publishIntervalMs: 0,
    });
    expect(again.result.status).toBe('ok');
    expect(again.result.counts.new).toBe(0);
    expect(await snapshot()).toBe(before);
    // a full re-scan finds everything already stored and changes nothing either
    const rescan = await importDesktopExport(deps, readDesktopExport(exportDir), {
      batchSize: 25,
      concurrency: 3,
      rescan: true,
      publishIntervalMs: 0,
    });
    expect(rescan.result.counts.new).toBe(0);
    expect(rescan.result.counts.skipped.already_stored).toBe(stored);
    // (only the channel's last_synced_at moves: it did scan)
    const gallery = (snap: string) => JSON.stringify(JSON.parse(snap).filter((_: unknown, t: number) => t !== 2));
    expect(gallery(await snapshot())).toBe(gallery(before));
  });
});
