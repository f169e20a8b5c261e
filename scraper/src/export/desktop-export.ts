/**
 * Telegram Desktop exports: "Export chat history" of one channel (JSON result.json, or the default HTML
 * messages*.html) and the full-account "Export Telegram data" (result.json with chats.list, media under
 * chats/chat_N/), in today's shape and the older ones (numeric from_id and encoded ids before April 2021,
 * no date_unixtime before June 2022). Reads them into the same IncomingMessage shape as the API sync and
 * imports through the same channel run (resumable: it continues after the channel's last_message_id;
 * idempotent: (channel, message id) is unique). No API keys needed. The channel is keyed by its bare id,
 * so a later API sync of the same channel continues where the export ended, and fetches by id the posts
 * whose file the export left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { findChannelByPeerId, upsertExportChannel, type Channel } from '@waifudex/core/repos/channels.repo';
import {
  IMAGE_DOCUMENT_MIMES,
  type CaptionEntity,
  type IncomingMedia,
  type IncomingMessage,
  type SkipReason,
} from '../telegram/source.js';
import { parseTdesktopJson } from './tdesktop-json.js';
import { readHtmlMessages } from './html-export.js';
import { addPendingGaps, type GapReason } from '@waifudex/core/repos/sync-gaps.repo';
import { findStoredMessages } from '@waifudex/core/repos/sync-messages.repo';
import { MISSING_FILE_SKIPS, runChannel, type RunContext, type RunDeps, type RunResult } from '../sync/channel-run.js';
import { albumCaptions } from '../sync/album-captions.js';
import { applyMessageUpdates, describe as describeMessage } from '../sync/telegram-sync.js';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import { UserError } from '@waifudex/core/errors';

const textPart = z.union([z.string(), z.object({ type: z.string(), text: z.string() }).passthrough()]);
const exportMessage = z
  .object({
    id: z.number().int(),
    type: z.string().default('message'),
    date: z.string().optional(),
    date_unixtime: z.union([z.string(), z.number()]).optional(),
    edited: z.string().optional(),
    edited_unixtime: z.union([z.string(), z.number()]).optional(),
    // a string ("channel123", "user45") since April 2021; a number before
    from_id: z.union([z.string(), z.number()]).optional(),
    from: z.string().nullable().optional(),
    photo: z.string().optional(),
    file: z.string().optional(),
    mime_type: z.string().optional(),
    media_type: z.string().optional(),
    text: z.union([z.string(), z.array(textPart)]).default(''),
    text_entities: z.array(z.object({ type: z.string(), text: z.string() }).passthrough()).optional(),
  })
  .passthrough();
const exportChat = z.object({
  name: z.string().nullable().optional(),
  type: z.string().optional(),
  id: z.union([z.number(), z.string()]),
  messages: z.array(z.unknown()),
});
/** The full-account export ("Export Telegram data"): chats under chats.list (and left_chats.list). */
const accountExport = z.object({
  chats: z.object({ list: z.array(z.unknown()) }).optional(),
  left_chats: z.object({ list: z.array(z.unknown()) }).optional(),
});

export type ExportMessage = z.infer<typeof exportMessage>;

export interface DesktopExport {
  /** The export's root folder: media paths are relative to it. */
  dir: string;
  format: 'json' | 'html';
  channel: { id: string; name: string; type: string | null };
  messages: IncomingMessage[];
  /** Relative file of each storable message. */
  files: Map<number, string>;
  /** Messages that could not be read (bad shape), by index. */
  invalid: number;
}

export class ExportFormatError extends UserError {
  override name = 'ExportFormatError';
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
export function exportText(m: Pick<ExportMessage, 'text' | 'text_entities'>): {
  text: string;
  entities: CaptionEntity[];
} {
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

/** pushPath's placeholders in export_output_json.cpp (the file was left out of the export). */
const NOT_INCLUDED = /^\(File (not included|exceeds maximum size)/i;
const UNAVAILABLE = /^\(File unavailable/i;

function placeholder(p: string): SkipReason | null {
  if (NOT_INCLUDED.test(p)) return 'file_not_included';
  if (UNAVAILABLE.test(p)) return 'file_unavailable';
  return null;
}

/** What an export message carries. */
export function exportMedia(m: ExportMessage): { media: IncomingMedia; file: string | null } {
  if (m.type !== 'message') return { media: { kind: 'skip', reason: 'service' }, file: null };
  if (m.photo) {
    const missing = placeholder(m.photo);
    if (missing) return { media: { kind: 'skip', reason: missing }, file: null };
    return {
      media: {
        kind: 'photo',
        photoId: '',
        sizeType: null,
        width: numberOr(m.width),
        height: numberOr(m.height),
        bytes: numberOr(m.photo_file_size),
      },
      file: m.photo,
    };
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
      default:
        break; // any other file: the mime type below decides
    }
    const mime = (m.mime_type ?? '').toLowerCase();
    if (m.file && IMAGE_DOCUMENT_MIMES.has(mime)) {
      const missing = placeholder(m.file);
      if (missing) return { media: { kind: 'skip', reason: missing }, file: null };
      return {
        media: {
          kind: 'image_document',
          documentId: '',
          mime,
          fileName: path.basename(m.file),
          bytes: numberOr(m.file_size),
        },
        file: m.file,
      };
    }
    if (mime.startsWith('video/')) return { media: { kind: 'skip', reason: 'video' }, file: null };
    if (mime === 'image/gif') return { media: { kind: 'skip', reason: 'gif' }, file: null };
    return { media: { kind: 'skip', reason: 'document' }, file: null };
  }
  if (m.poll) return { media: { kind: 'skip', reason: 'poll' }, file: null };
  if (m.media_type || m.location_information || m.contact_information)
    return { media: { kind: 'skip', reason: 'other_media' }, file: null };
  return { media: { kind: 'skip', reason: 'no_media' }, file: null };
}

function numberOr(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function unixOr(unix: string | number | undefined, local: string | undefined): Date | null {
  if (unix != null && /^\d+$/.test(String(unix))) return new Date(Number(unix) * 1000);
  if (local) return new Date(local); // before June 2022: local time of the exporting machine, no offset
  return null;
}

/**
 * Before April 2021 Telegram Desktop wrote peer ids encoded (channel = 2^33 + id) and `from_id` as a
 * number; since then the chat `id` is the bare id and `from_id` a string like "channel123".
 */
const CHANNEL_SHIFT = 2n ** 33n;
export function bareChatId(id: string | number, oldShape: boolean): string {
  let s = String(id).trim();
  s = s.replace(/^-100/, '').replace(/^channel/, '');
  if (!/^\d+$/.test(s)) throw new ExportFormatError(`the export's chat id is not a number: ${String(id)}`);
  const n = BigInt(s);
  if (oldShape && n >= CHANNEL_SHIFT && n < CHANNEL_SHIFT * 2n) return String(n - CHANNEL_SHIFT);
  return String(n);
}

/** Reads raw export messages (JSON objects, or what the HTML reader made of a page) into one chat. */
export function chatFromMessages(
  dir: string,
  format: DesktopExport['format'],
  chat: { id: string | number; name?: string | null | undefined; type?: string | null | undefined },
  items: unknown[],
): DesktopExport {
  const raw: ExportMessage[] = [];
  let invalid = 0;
  for (const item of items) {
    const m = exportMessage.safeParse(item);
    if (m.success) raw.push(m.data);
    else invalid++;
  }
  // the id of an HTML export comes from --channel-id, never from an old export's encoding
  const oldShape =
    format === 'json' &&
    (raw.some((m) => typeof m.from_id === 'number') ||
      (!raw.some((m) => typeof m.from_id === 'string') && !raw.some((m) => m.date_unixtime != null)));
  raw.sort((a, b) => a.id - b.id);
  const messages: IncomingMessage[] = [];
  const files = new Map<number, string>();
  for (const m of raw) {
    const { text, entities } = exportText(m);
    const { media, file: rel } = exportMedia(m);
    if (rel) files.set(m.id, rel);
    messages.push({
      id: m.id,
      date: unixOr(m.date_unixtime, m.date) ?? new Date(0),
      editDate: unixOr(m.edited_unixtime, m.edited),
      groupedId: null,
      text,
      entities,
      media,
    });
  }
  groupAlbums(raw, messages);
  const id = bareChatId(chat.id, oldShape);
  return {
    dir,
    format,
    channel: { id, name: chat.name || `export ${id}`, type: chat.type ?? null },
    messages,
    files,
    invalid,
  };
}

/** Chat types of channels (what the gallery imports from a full-account export unless told otherwise). */
const CHANNEL_TYPES = new Set(['public_channel', 'private_channel']);

export interface ReadOptions {
  /** Only these chats of a full-account export (name or id); default every channel. */
  chats?: string[];
  /** The channel id of an HTML export (HTML carries none). */
  channelId?: string | null;
}

function matchesChat(c: { id: string | number; name?: string | null | undefined }, wanted: string[]): boolean {
  return wanted.some((w) => {
    const t = w.trim().toLowerCase();
    const id = String(c.id);
    return (c.name ?? '').toLowerCase() === t || id === t || `-100${id}` === t || t.replace(/^-100/, '') === id;
  });
}

/** Reads every chat to import from an export folder (or its result.json / messages.html). */
export function readExportChats(input: string, o: ReadOptions = {}): DesktopExport[] {
  if (!fs.existsSync(input)) throw new ExportFormatError(`no export at ${input}`);
  const isDir = fs.statSync(input).isDirectory();
  const jsonFile = isDir ? path.join(input, 'result.json') : input.endsWith('.json') ? input : null;
  if (jsonFile && fs.existsSync(jsonFile)) return readJsonExport(jsonFile, o);
  const htmlDir = isDir ? input : path.dirname(input);
  if (fs.existsSync(path.join(htmlDir, 'messages.html'))) return [readHtmlExport(htmlDir, o)];
  if (isDir && fs.existsSync(path.join(input, 'export_results.html'))) {
    throw new ExportFormatError(
      `${input} is a full-account HTML export: HTML names no chat ids, so export it again as JSON ("Machine-readable JSON") or import one chat folder (chats/chat_N) with --channel-id`,
    );
  }
  throw new ExportFormatError(
    `no result.json or messages.html at ${input} (export the channel from Telegram Desktop: ⋮ → Export chat history)`,
  );
}

/** Reads an export that holds exactly one chat (a single-chat export, or one chosen with `chats`). */
export function readDesktopExport(input: string, o: ReadOptions = {}): DesktopExport {
  const chats = readExportChats(input, o);
  if (chats.length !== 1) throw new ExportFormatError(`the export holds ${chats.length} chats: choose one with --chat`);
  return chats[0]!;
}

function readJsonExport(file: string, o: ReadOptions): DesktopExport[] {
  let json: unknown;
  try {
    json = parseTdesktopJson(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ExportFormatError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const dir = path.dirname(file);
  const single = exportChat.safeParse(json);
  if (single.success) return [chatFromMessages(dir, 'json', single.data, single.data.messages)];
  const account = accountExport.safeParse(json);
  if (!account.success || (!account.data.chats && !account.data.left_chats)) {
    throw new ExportFormatError(
      `${file} is not a Telegram Desktop export (expected "id", "name" and "messages", or "chats": {"list": …} at the top)`,
    );
  }
  const all = [...(account.data.chats?.list ?? []), ...(account.data.left_chats?.list ?? [])]
    .map((c) => exportChat.safeParse(c))
    .filter((r) => r.success)
    .map((r) => r.data!);
  const chosen = o.chats?.length
    ? all.filter((c) => matchesChat(c, o.chats!))
    : all.filter((c) => CHANNEL_TYPES.has(c.type ?? ''));
  if (o.chats?.length && chosen.length === 0) {
    throw new ExportFormatError(
      `no chat named ${o.chats.join(', ')} in ${file}; channels in it: ${
        all
          .filter((c) => CHANNEL_TYPES.has(c.type ?? ''))
          .map((c) => c.name)
          .join(', ') || 'none'
      }`,
    );
  }
  if (chosen.length === 0)
    throw new ExportFormatError(
      `${file} holds no channel (export "Public channels" / "Private channels", or name a chat with --chat)`,
    );
  return chosen.map((c) => chatFromMessages(dir, 'json', c, c.messages));
}

function readHtmlExport(dir: string, o: ReadOptions): DesktopExport {
  if (!o.channelId) {
    throw new ExportFormatError(
      "an HTML export names no channel id: pass --channel-id (the number in the channel's t.me/c/<id>/… links, or its -100… id)",
    );
  }
  const page = readHtmlMessages(dir);
  return chatFromMessages(dir, 'html', { id: o.channelId, name: page.title, type: null }, page.messages);
}

/**
 * Desktop exports carry no album id. An album shows up as consecutive media messages with the same
 * timestamp and sender where only one has a caption: those get a synthetic album id so the caption
 * reaches every image, as with the API sync. The timestamp is `date_unixtime` when present, else the
 * `date` string (exports before June 2022 have no `date_unixtime`; the second is the same either way).
 */
function groupAlbums(raw: ExportMessage[], messages: IncomingMessage[]): void {
  const second = (m: ExportMessage) =>
    m.date_unixtime != null ? `u${String(m.date_unixtime)}` : m.date != null ? `d${m.date}` : null;
  let i = 0;
  while (i < raw.length) {
    let j = i + 1;
    const a = raw[i]!;
    const key = second(a);
    while (
      j < raw.length &&
      key != null &&
      messages[j]!.media.kind !== 'skip' &&
      messages[i]!.media.kind !== 'skip' &&
      second(raw[j]!) === key &&
      String(raw[j]!.from_id ?? raw[j]!.from ?? '') === String(a.from_id ?? a.from ?? '')
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

/** Messages the export left without their file: the API sync fetches them by id (the hand-off). */
export function missingFileGaps(exp: DesktopExport): { messageId: number; reason: GapReason }[] {
  return exp.messages.flatMap((m) =>
    m.media.kind === 'skip' && MISSING_FILE_SKIPS.has(m.media.reason)
      ? [
          {
            messageId: m.id,
            reason: (m.media.reason === 'file_unavailable'
              ? 'export_file_unavailable'
              : 'export_file_not_included') as GapReason,
          },
        ]
      : [],
  );
}

/**
 * Imports an export into its channel (created on first import). Posts whose file the export left out
 * (Telegram Desktop includes photos up to 8 MB and no files by default) become gaps, so the first API
 * sync of the channel fetches them by id even though it starts after the export's last message.
 * With `rescan`, captions edited since the last import are applied to stored posts (hand edits kept).
 */
export async function importDesktopExport(
  deps: RunDeps,
  exp: DesktopExport,
  s: ImportSettings,
): Promise<{ channel: Channel; result: RunResult }> {
  const channel = await upsertExportChannel(deps.db, { peerId: exp.channel.id, title: exp.channel.name });
  await addPendingGaps(deps.db, channel.id, missingFileGaps(exp));
  const result = await runChannel(
    deps,
    channel,
    {
      fetchBatch: async (minId, limit) => exp.messages.filter((m) => m.id > minId).slice(0, limit),
      download: async (m) => fs.promises.readFile(exportFilePath(exp.dir, exp.files.get(m.id)!)),
      latestMessageId: async () => exp.messages.at(-1)?.id ?? null,
      ...(s.rescan ? { afterNewMessages: (ctx: RunContext) => applyExportEdits(deps, ctx, exp) } : {}),
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

/** The export's current captions applied to the stored posts, as the API sync's recheck does. */
async function applyExportEdits(deps: RunDeps, ctx: RunContext, exp: DesktopExport): Promise<void> {
  const byId = new Map(exp.messages.map((m) => [m.id, m]));
  const ids = exp.messages.filter((m) => m.media.kind !== 'skip').map((m) => m.id);
  for (let i = 0; i < ids.length; i += 500) {
    const stored = await findStoredMessages(deps.db, ctx.channel.id, ids.slice(i, i + 500));
    if (stored.length === 0) continue;
    // the whole export is passed so an album's caption item is found for its other images
    const fetched = new Map<number, IncomingMessage | null>();
    for (const st of stored) fetched.set(st.messageId, byId.get(st.messageId)!);
    for (const m of exp.messages) if (m.groupedId && m.text.trim() && !fetched.has(m.id)) fetched.set(m.id, m);
    const r = await applyMessageUpdates(deps, ctx.channel, stored, fetched);
    ctx.counts.updated += r.updated;
  }
  await ctx.publish(true);
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
    id: `new:${exp.channel.id}`,
    peerId: exp.channel.id,
    accessHash: null,
    username: null,
    inviteLink: null,
    title: exp.channel.name,
    captionTemplate: null,
    rarityEmojis: {},
    lastMessageId: 0,
    lastSyncedAt: null,
    enabled: true,
    ref: null,
    source: 'export',
    lastError: null,
  };
  const from = s.rescan ? 0 : channel.lastMessageId;
  const albums = albumCaptions(exp.messages);
  let n = 0;
  for (const m of exp.messages) {
    if (m.id <= from) continue;
    const src = albums.sourceOf(m) ?? m;
    out.write(
      JSON.stringify({ ...describeMessage(deps.ingest, channel, m, src), file: exp.files.get(m.id) ?? null }) + '\n',
    );
    n++;
  }
  return n;
}
