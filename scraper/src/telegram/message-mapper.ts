/**
 * Pure mapping from GramJS objects to the plain types of source.ts, and from GramJS errors to the
 * source errors. No I/O: tested with real Api objects built offline.
 */
import { Api, errors } from 'telegram';
import {
  IMAGE_DOCUMENT_MIMES,
  ChannelUnavailableError,
  FloodWaitSignal,
  SessionExpiredError,
  TransientSourceError,
  type CaptionEntity,
  type IncomingMedia,
  type IncomingMessage,
  type SkipReason,
} from './source.js';

const ENTITY_NAMES: Record<string, string> = {
  MessageEntityBold: 'bold',
  MessageEntityItalic: 'italic',
  MessageEntityUnderline: 'underline',
  MessageEntityStrike: 'strikethrough',
  MessageEntityCode: 'code',
  MessageEntityPre: 'pre',
  MessageEntityTextUrl: 'text_link',
  MessageEntityUrl: 'url',
  MessageEntityMention: 'mention',
  MessageEntityMentionName: 'text_mention',
  InputMessageEntityMentionName: 'text_mention',
  MessageEntityHashtag: 'hashtag',
  MessageEntityCashtag: 'cashtag',
  MessageEntityBotCommand: 'bot_command',
  MessageEntityEmail: 'email',
  MessageEntityPhone: 'phone_number',
  MessageEntitySpoiler: 'spoiler',
  MessageEntityCustomEmoji: 'custom_emoji',
  MessageEntityBlockquote: 'blockquote',
  MessageEntityBankCard: 'bank_card',
  MessageEntityUnknown: 'unknown',
};

/** GramJS entities → Bot-API-named entities (the shape the caption parser and exports share). */
export function mapEntities(entities: Api.TypeMessageEntity[] | undefined | null): CaptionEntity[] {
  if (!entities) return [];
  return entities.map((e) => {
    const out: CaptionEntity = {
      type: ENTITY_NAMES[e.className] ?? snake(e.className.replace(/^(Input)?MessageEntity/, '')),
      offset: e.offset,
      length: e.length,
    };
    if (e instanceof Api.MessageEntityTextUrl) out.url = e.url;
    if (e instanceof Api.MessageEntityMentionName) out.url = `tg://user?id=${e.userId.toString()}`;
    if (e instanceof Api.MessageEntityCustomEmoji) out.url = `tg://emoji?id=${e.documentId.toString()}`;
    return out;
  });
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() || 'unknown';
}

/** Numeric size of a photo size for "largest" (progressive sizes count by their biggest step). */
function sizeBytes(s: Api.TypePhotoSize): number {
  if (s instanceof Api.PhotoSize) return s.size;
  if (s instanceof Api.PhotoSizeProgressive) return Math.max(0, ...s.sizes);
  if (s instanceof Api.PhotoCachedSize) return s.bytes.length;
  return 0;
}

/** The largest downloadable size of a photo (never the stripped/path previews), or null. */
export function largestPhotoSize(photo: Api.Photo): { type: string; w: number; h: number; bytes: number } | null {
  let best: { type: string; w: number; h: number; bytes: number; area: number } | null = null;
  for (const s of photo.sizes ?? []) {
    if (!(s instanceof Api.PhotoSize || s instanceof Api.PhotoSizeProgressive || s instanceof Api.PhotoCachedSize))
      continue;
    const cand = { type: s.type, w: s.w, h: s.h, bytes: sizeBytes(s), area: s.w * s.h };
    if (!best || cand.area > best.area || (cand.area === best.area && cand.bytes > best.bytes)) best = cand;
  }
  return best ? { type: best.type, w: best.w, h: best.h, bytes: best.bytes } : null;
}

/** What a document is: a storable image, or a reason to skip it. */
export function classifyDocument(doc: Api.Document): IncomingMedia {
  const attrs = doc.attributes ?? [];
  const has = <T>(cls: new (...a: any[]) => T) => attrs.find((a) => a instanceof cls) as T | undefined;
  const mime = (doc.mimeType || '').toLowerCase();
  if (has(Api.DocumentAttributeSticker) || mime === 'application/x-tgsticker') {
    return { kind: 'skip', reason: 'sticker' };
  }
  if (has(Api.DocumentAttributeAnimated) || mime === 'image/gif') return { kind: 'skip', reason: 'gif' };
  const video = has(Api.DocumentAttributeVideo);
  if (video) return { kind: 'skip', reason: video.roundMessage ? 'round_video' : 'video' };
  const audio = has(Api.DocumentAttributeAudio);
  if (audio) return { kind: 'skip', reason: audio.voice ? 'voice' : 'audio' };
  if (mime.startsWith('video/')) return { kind: 'skip', reason: 'video' };
  if (mime.startsWith('audio/')) return { kind: 'skip', reason: 'audio' };
  if (IMAGE_DOCUMENT_MIMES.has(mime)) {
    const name = has(Api.DocumentAttributeFilename);
    return {
      kind: 'image_document',
      documentId: doc.id.toString(),
      mime,
      fileName: name?.fileName ?? null,
      bytes: doc.size == null ? null : Number(doc.size.toString()),
    };
  }
  return { kind: 'skip', reason: 'document' };
}

/** The media of a message in source terms. */
export function mapMedia(media: Api.TypeMessageMedia | undefined | null): IncomingMedia {
  if (!media) return { kind: 'skip', reason: 'no_media' };
  if (media instanceof Api.MessageMediaPhoto) {
    if (!(media.photo instanceof Api.Photo)) return { kind: 'skip', reason: 'other_media' }; // PhotoEmpty / self-destructed
    const size = largestPhotoSize(media.photo);
    if (!size) return { kind: 'skip', reason: 'other_media' };
    return {
      kind: 'photo',
      photoId: media.photo.id.toString(),
      sizeType: size.type,
      width: size.w,
      height: size.h,
      bytes: size.bytes,
    };
  }
  if (media instanceof Api.MessageMediaDocument) {
    if (!(media.document instanceof Api.Document)) return { kind: 'skip', reason: 'other_media' };
    if (media.round) return { kind: 'skip', reason: 'round_video' };
    if (media.voice) return { kind: 'skip', reason: 'voice' };
    return classifyDocument(media.document);
  }
  if (media instanceof Api.MessageMediaWebPage) return { kind: 'skip', reason: 'webpage' };
  if (media instanceof Api.MessageMediaPoll) return { kind: 'skip', reason: 'poll' };
  return { kind: 'skip', reason: 'other_media' };
}

/** A GramJS message (or service/empty message) → IncomingMessage. */
export function mapMessage(m: Api.TypeMessage): IncomingMessage {
  if (m instanceof Api.Message) {
    return {
      id: m.id,
      date: new Date(m.date * 1000),
      editDate: m.editDate ? new Date(m.editDate * 1000) : null,
      groupedId: m.groupedId ? m.groupedId.toString() : null,
      text: m.message ?? '',
      entities: mapEntities(m.entities),
      media: mapMedia(m.media),
    };
  }
  const date = m instanceof Api.MessageService ? new Date(m.date * 1000) : new Date(0);
  return {
    id: m.id,
    date,
    editDate: null,
    groupedId: null,
    text: '',
    entities: [],
    media: { kind: 'skip', reason: 'service' as SkipReason },
  };
}

/** Whether a message is gone (getMessages returns undefined or MessageEmpty for deleted ids). */
export function isDeleted(m: Api.TypeMessage | undefined | null): boolean {
  return !m || m instanceof Api.MessageEmpty;
}

const SESSION_ERRORS = new Set([
  'AUTH_KEY_UNREGISTERED',
  'AUTH_KEY_INVALID',
  'AUTH_KEY_PERM_EMPTY',
  'AUTH_KEY_DUPLICATED',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'SESSION_PASSWORD_NEEDED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
]);
const CHANNEL_ERRORS = new Set([
  'CHANNEL_PRIVATE',
  'CHANNEL_INVALID',
  'CHANNEL_BANNED',
  'CHAT_FORBIDDEN',
  'USERNAME_INVALID',
  'USERNAME_NOT_OCCUPIED',
  'INVITE_HASH_EXPIRED',
  'INVITE_HASH_INVALID',
  'PEER_ID_INVALID',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** The RPC error name of a GramJS error ('' for non-RPC errors). */
export function rpcErrorName(err: unknown): string {
  return err instanceof errors.RPCError ? err.errorMessage : '';
}

/**
 * Translates a GramJS/network error into the source errors (FloodWaitSignal, SessionExpiredError,
 * ChannelUnavailableError, TransientSourceError); anything else is returned unchanged.
 */
export function translateError(err: unknown): unknown {
  if (
    err instanceof errors.FloodWaitError ||
    err instanceof errors.SlowModeWaitError ||
    err instanceof errors.FloodTestPhoneWaitError
  ) {
    return new FloodWaitSignal(err.seconds);
  }
  if (err instanceof errors.RPCError) {
    const name = err.errorMessage;
    const flood = /^FLOOD_(?:PREMIUM_)?WAIT_(\d+)$/.exec(name);
    if (flood) return new FloodWaitSignal(Number(flood[1]));
    if (SESSION_ERRORS.has(name) || err.code === 401)
      return new SessionExpiredError(
        `${name || 'UNAUTHORIZED'}: Telegram session expired or revoked: run \`npm run scraper -- login\` again`,
      );
    if (CHANNEL_ERRORS.has(name))
      return new ChannelUnavailableError(`channel cannot be read (${name}); is the logged-in account a member?`);
    if (
      (err.code ?? 0) >= 500 ||
      err.code === -503 ||
      name === 'TIMEOUT' ||
      name === 'RPC_CALL_FAIL' ||
      /^INTERDC_\d+_CALL/.test(name)
    ) {
      return new TransientSourceError(`Telegram server error: ${name || err.message}`);
    }
    return err;
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (
      (code && NETWORK_CODES.has(code)) ||
      /^(TIMEOUT|Not connected|Connection closed|socket hang up|Request was unsuccessful)/i.test(err.message) ||
      /timed? ?out/i.test(err.message)
    ) {
      return new TransientSourceError(`network error: ${err.message}`);
    }
  }
  return err;
}
