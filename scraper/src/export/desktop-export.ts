/**
 * Telegram Desktop "Export chat history" (JSON format): result.json + photos/ + files/. Reads it into the
 * same IncomingMessage shape as the API sync and imports it through the same channel run (resumable:
 * it continues after the channel's last_message_id; idempotent: (channel, message id) is unique).
 * No API keys needed. The channel is keyed by the export's `id` (the bare channel id), so a later API
 * sync of the same channel continues where the export ended.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { findChannelByPeerId, upsertExportChannel, type Channel } from '@waifudex/core/repos/channels.repo';
import { IMAGE_DOCUMENT_MIMES, type CaptionEntity, type IncomingMedia, type IncomingMessage } from '../telegram/source.js';
import { runChannel, type RunDeps, type RunResult } from '../sync/channel-run.js';
import { describe as describeMessage } from '../sync/telegram-sync.js';
import type { IngestService } from '@waifudex/core/services/ingest.service';

const textPart = z.union([z.string(), z.object({ type: z.string(), text: z.string() }).passthrough()]);
const exportMessage = z
  .object({
    id: z.number().int(),
    type: z.string().default('message'),
    date: z.string().optional(),
    date_unixtime: z.union([z.string(), z.number()]).optional(),
    from_id: z.string().optional(),
    photo: z.string().optional(),
    file: z.string().optional(),
    mime_type: z.string().optional(),
    media_type: z.string().optional(),
    text: z.union([z.string(), z.array(textPart)]).default(''),
    text_entities: z.array(z.object({ type: z.string(), text: z.string() }).passthrough()).optional(),
  })
  .passthrough();
const exportFile = z.object({
  name: z.string().optional(),
  type: z.string().optional(),
  id: z.union([z.number(), z.string()]),
  messages: z.array(z.unknown()),
});

export type ExportMessage = z.infer<typeof exportMessage>;

export interface DesktopExport {
  dir: string;
  channel: { id: string; name: string; type: string | null };
  messages: IncomingMessage[];
  /** Relative file of each storable message. */
  files: Map<number, string>;
  /** Messages that could not be read (bad shape), by index. */
  invalid: number;
}

export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
  readonly userFacing = true;
}

const ENTITY_TYPES: Record<string, string> = {
  bold: 'bold',
  italic: 'italic',
  underline: 'underline',
  strikethrough: 'strikethrough',
  code: 'code',
  pre: 'pre',
  text_link: 'text_link',
  link: 'url',
  mention: 'mention',
  mention_name: 'text_mention',
  hashtag: 'hashtag',
  cashtag: 'cashtag',
  bot_command: 'bot_command',
  email: 'email',
  phone: 'phone_number',
  spoiler: 'spoiler',
  custom_emoji: 'custom_emoji',
  blockquote: 'blockquote',
  bank_card: 'bank_card',
};

/** `text` (string or array of strings / entity objects) or `text_entities` → plain caption + Bot-API entities (UTF-16 offsets). */
export function exportText(m: Pick<ExportMessage, 'text' | 'text_entities'>): { text: string; entities: CaptionEntity[] } {
  const parts: Array<string | Record<string, unknown>> =
    m.text_entities ?? (typeof m.text === 'string' ? [m.text] : (m.text as Array<string | Record<string, unknown>>));
  let text = '';
  const entities: CaptionEntity[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      text += p;
      continue;
    }
    const piece = String(p.text ?? '');
    const type = ENTITY_TYPES[String(p.type)];
    if (type && piece.length) {
      const e: CaptionEntity = { type, offset: text.length, length: piece.length };
      if (typeof p.href === 'string') e.url = p.href;
      else if (p.user_id != null) e.url = `tg://user?id=${String(p.user_id).replace(/^user/, '')}`;
      else if (p.document_id != null) e.url = `tg://emoji?id=${String(p.document_id)}`;
      entities.push(e);
    }
    text += piece;
  }
  return { text, entities };
}

const NOT_INCLUDED = /^\(File (not included|exceeds maximum size)/i;

/** What an export message carries. */
export function exportMedia(m: ExportMessage): { media: IncomingMedia; file: string | null } {
  if (m.type !== 'message') return { media: { kind: 'skip', reason: 'service' }, file: null };
  if (m.photo) {
    if (NOT_INCLUDED.test(m.photo)) return { media: { kind: 'skip', reason: 'file_not_included' }, file: null };
    return { media: { kind: 'photo', photoId: '', sizeType: null, width: numberOr(m.width), height: numberOr(m.height), bytes: numberOr(m.photo_file_size) }, file: m.photo };
  }
  if (m.file || m.media_type) {
    switch (m.media_type) {
      case 'sticker':
        return { media: { kind: 'skip', reason: 'sticker' }, file: null };
      case 'animation':
        return { media: { kind: 'skip', reason: 'gif' }, file: null };
      case 'video_file':
        return { media: { kind: 'skip', reason: 'video' }, file: null };
      case 'video_message':
        return { media: { kind: 'skip', reason: 'round_video' }, file: null };
      case 'voice_message':
        return { media: { kind: 'skip', reason: 'voice' }, file: null };
      case 'audio_file':
        return { media: { kind: 'skip', reason: 'audio' }, file: null };
    }
    const mime = (m.mime_type ?? '').toLowerCase();
    if (m.file && IMAGE_DOCUMENT_MIMES.has(mime)) {
      if (NOT_INCLUDED.test(m.file)) return { media: { kind: 'skip', reason: 'file_not_included' }, file: null };
      return { media: { kind: 'image_document', documentId: '', mime, fileName: path.basename(m.file), bytes: numberOr(m.file_size) }, file: m.file };
    }
    if (mime.startsWith('video/')) return { media: { kind: 'skip', reason: 'video' }, file: null };
    if (mime === 'image/gif') return { media: { kind: 'skip', reason: 'gif' }, file: null };
    return { media: { kind: 'skip', reason: 'document' }, file: null };
  }
  if (m.poll) return { media: { kind: 'skip', reason: 'poll' }, file: null };
  if (m.media_type || m.location_information || m.contact_information) return { media: { kind: 'skip', reason: 'other_media' }, file: null };
  return { media: { kind: 'skip', reason: 'no_media' }, file: null };
}

function numberOr(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function dateOf(m: ExportMessage): Date {
  if (m.date_unixtime != null && /^\d+$/.test(String(m.date_unixtime))) return new Date(Number(m.date_unixtime) * 1000);
  if (m.date) return new Date(m.date); // local time of the exporting machine
  return new Date(0);
}

/** Reads an export folder (or its result.json). */
export function readDesktopExport(input: string): DesktopExport {
  const file = fs.existsSync(input) && fs.statSync(input).isDirectory() ? path.join(input, 'result.json') : input;
  if (!fs.existsSync(file)) throw new ExportFormatError(`no result.json at ${input} (export the chat from Telegram Desktop in JSON format)`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ExportFormatError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const top = exportFile.safeParse(json);
  if (!top.success) {
    throw new ExportFormatError(`${file} is not a single-chat Telegram Desktop export (expected "id", "name" and "messages" at the top)`);
  }
  const dir = path.dirname(file);
  const messages: IncomingMessage[] = [];
  const files = new Map<number, string>();
  let invalid = 0;
  const raw: ExportMessage[] = [];
  for (const item of top.data.messages) {
    const m = exportMessage.safeParse(item);
    if (!m.success) {
      invalid++;
      continue;
    }
    raw.push(m.data);
  }
  raw.sort((a, b) => a.id - b.id);
  for (const m of raw) {
    const { text, entities } = exportText(m);
    const { media, file: rel } = exportMedia(m);
    if (rel) files.set(m.id, rel);
    messages.push({ id: m.id, date: dateOf(m), editDate: null, groupedId: null, text, entities, media });
  }
  groupAlbums(raw, messages);
  const id = String(top.data.id).replace(/^-100/, '').replace(/^channel/, '');
  return { dir, channel: { id, name: top.data.name ?? `export ${id}`, type: top.data.type ?? null }, messages, files, invalid };
}

/**
 * Desktop exports carry no album id. An album shows up as consecutive photo messages with the same
 * timestamp and sender where only one has a caption: those get a synthetic album id so the caption
 * reaches every image, as with the API sync.
 */
function groupAlbums(raw: ExportMessage[], messages: IncomingMessage[]): void {
  let i = 0;
  while (i < raw.length) {
    let j = i + 1;
    const a = raw[i]!;
    while (
      j < raw.length &&
      messages[j]!.media.kind !== 'skip' &&
      messages[i]!.media.kind !== 'skip' &&
      raw[j]!.date_unixtime != null &&
      String(raw[j]!.date_unixtime) === String(a.date_unixtime) &&
      raw[j]!.from_id === a.from_id
    ) {
      j++;
    }
    const group = messages.slice(i, j);
    if (group.length > 1 && group.filter((m) => m.text.trim()).length === 1) {
      for (const m of group) m.groupedId = `-${a.id}`; // negative: never collides with a real Telegram grouped id
    }
    i = j;
  }
}

/** Resolves a file of the export, refusing paths outside its folder. */
export function exportFilePath(dir: string, rel: string): string {
  const root = path.resolve(dir);
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(root + path.sep)) throw new Error(`path escapes the export folder: ${rel}`);
  return abs;
}

export interface ImportSettings {
  batchSize: number;
  concurrency: number;
  /** Start from the first message again (picks up files added by a later export), instead of resuming. */
  rescan?: boolean;
  signal?: AbortSignal;
  publishIntervalMs?: number;
}

/** Imports an export into its channel (created on first import). */
export async function importDesktopExport(deps: RunDeps, exp: DesktopExport, s: ImportSettings): Promise<{ channel: Channel; result: RunResult }> {
  const channel = await upsertExportChannel(deps.db, { peerId: exp.channel.id, title: exp.channel.name });
  const result = await runChannel(
    deps,
    channel,
    {
      fetchBatch: async (minId, limit) => exp.messages.filter((m) => m.id > minId).slice(0, limit),
      download: async (m) => fs.promises.readFile(exportFilePath(exp.dir, exp.files.get(m.id)!)),
      latestMessageId: async () => exp.messages.at(-1)?.id ?? null,
    },
    {
      kind: 'import',
      batchSize: s.batchSize,
      concurrency: s.concurrency,
      label: `export ${exp.channel.name}`,
      maxAttempts: 2,
      ...(s.rescan ? { fromMessageId: 0 } : {}),
      ...(s.signal ? { signal: s.signal } : {}),
      ...(s.publishIntervalMs != null ? { publishIntervalMs: s.publishIntervalMs } : {}),
    },
  );
  return { channel, result };
}

/** Dry run of an import: one JSON line per message after the resume point; writes nothing. */
export async function dryRunDesktopExport(
  deps: { db: RunDeps['db']; ingest: IngestService },
  exp: DesktopExport,
  out: NodeJS.WritableStream,
  s: { rescan?: boolean } = {},
): Promise<number> {
  const existing = await findChannelByPeerId(deps.db, exp.channel.id);
  const channel: Channel = existing ?? {
    id: `new:${exp.channel.id}`, peerId: exp.channel.id, accessHash: null, username: null, inviteLink: null, title: exp.channel.name,
    captionTemplate: null, rarityEmojis: {}, lastMessageId: 0, lastSyncedAt: null, enabled: true, ref: null, source: 'export', lastError: null,
  };
  const from = s.rescan ? 0 : channel.lastMessageId;
  const albumCaption = new Map<string, IncomingMessage>();
  for (const m of exp.messages) if (m.groupedId && m.text.trim() && !albumCaption.has(m.groupedId)) albumCaption.set(m.groupedId, m);
  let n = 0;
  for (const m of exp.messages) {
    if (m.id <= from) continue;
    const src = m.groupedId && !m.text.trim() ? albumCaption.get(m.groupedId) ?? m : m;
    out.write(JSON.stringify({ ...describeMessage(deps.ingest, channel, m, src), file: exp.files.get(m.id) ?? null }) + '\n');
    n++;
  }
  return n;
}
