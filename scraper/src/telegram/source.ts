/**
 * The one narrow interface the sync talks to. GramJS lives behind it (gramjs-source.ts); tests use the
 * fake (fake-source.ts). Everything that crosses it is plain data: no GramJS type leaks out.
 */
import { UserError } from '@waifudex/core/errors';

/** A caption entity (Bot API names: bold, italic, text_link, text_mention, custom_emoji, …); offsets in UTF-16 units. */
export interface CaptionEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}

/** Image types stored when sent as a file (document). */
export const IMAGE_DOCUMENT_MIMES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/** Why a message has nothing to store. */
export type SkipReason =
  | 'no_media'
  | 'service'
  | 'video'
  | 'gif'
  | 'sticker'
  | 'audio'
  | 'voice'
  | 'round_video'
  | 'document'
  | 'webpage'
  | 'poll'
  | 'other_media'
  | 'file_not_included'
  /** A Telegram Desktop export's "(File unavailable, please try again later)". */
  | 'file_unavailable';

export type IncomingMedia =
  | {
      kind: 'photo';
      photoId: string;
      /** type letter of the largest size (downloaded) */ sizeType: string | null;
      width: number | null;
      height: number | null;
      bytes: number | null;
    }
  | { kind: 'image_document'; documentId: string; mime: string; fileName: string | null; bytes: number | null }
  | { kind: 'skip'; reason: SkipReason };

/** A channel message as the sync sees it. */
export interface IncomingMessage {
  id: number;
  date: Date;
  editDate: Date | null;
  /** Album id (GramJS groupedId), as a decimal string. */
  groupedId: string | null;
  /** Caption / text, and its entities. */
  text: string;
  entities: CaptionEntity[];
  media: IncomingMedia;
}

/** A resolved channel: what is remembered so it is never resolved again. */
export interface ResolvedChannel {
  /** Bare channel id (as in Api.Channel.id and in a Telegram Desktop export's `id`). */
  peerId: string;
  accessHash: string | null;
  title: string;
  username: string | null;
}

export interface LiveHandlers {
  onNew(channelPeerId: string, message: IncomingMessage): void | Promise<void>;
  onEdit(channelPeerId: string, message: IncomingMessage): void | Promise<void>;
  onDelete(channelPeerId: string | null, messageIds: number[]): void | Promise<void>;
  /** The connection came back after a drop: updates in between are lost (no channel gap recovery), so catch up. */
  onReconnect?(): void | Promise<void>;
}

export interface MessageSource {
  /** Resolves a username, t.me link, invite link or numeric id (one API call; the result is remembered by the caller). */
  resolveChannel(ref: string): Promise<ResolvedChannel>;
  /** Up to `limit` messages with id > minId, oldest first ([] when there are no more). */
  fetchBatch(channel: ResolvedChannel, opts: { minId: number; limit: number }): Promise<IncomingMessage[]>;
  /** Id of the newest message (for the ETA), or null when unknown. */
  latestMessageId?(channel: ResolvedChannel): Promise<number | null>;
  /** The image bytes of a photo (largest size) or image document; refetches an expired file reference itself. */
  download(channel: ResolvedChannel, message: IncomingMessage): Promise<Buffer>;
  /** Messages by id, aligned with `ids`; null for a deleted (or never existing) message. */
  getMessages(channel: ResolvedChannel, ids: number[]): Promise<(IncomingMessage | null)[]>;
  /** Live updates for these channels; returns an unsubscribe function. */
  subscribe?(channels: ResolvedChannel[], handlers: LiveHandlers): Promise<() => Promise<void>>;
  close?(): Promise<void>;
  /** False once the connection is known dead (a call timed out, the client disconnected): build a new source. */
  isAlive?(): boolean;
}

// ---------------------------------------------------------------------------------------------------
// Errors every source reports in the same shape (the GramJS source translates its errors into these).

/** Telegram asked us to wait exactly `seconds` before the next request. */
export class FloodWaitSignal extends Error {
  override name = 'FloodWaitSignal';
  constructor(readonly seconds: number) {
    super(`Telegram asked to wait ${seconds} s (FloodWait)`);
  }
}

/** A network problem worth retrying with backoff (timeouts, disconnects, 5xx). */
export class TransientSourceError extends Error {
  override name = 'TransientSourceError';
}

/** The run cannot go on (session expired or revoked, channel gone): stop, keep what was committed. */
export class FatalSourceError extends UserError {
  override name = 'FatalSourceError';
}

/** The stored session is expired or revoked (AUTH_KEY_UNREGISTERED, SESSION_REVOKED, USER_DEACTIVATED, …). */
export class SessionExpiredError extends FatalSourceError {
  override name = 'SessionExpiredError';
}

/** The channel cannot be read (private and not a member, invalid username, banned). */
export class ChannelUnavailableError extends FatalSourceError {
  override name = 'ChannelUnavailableError';
}

/**
 * Telegram cannot be reached: connect() gave up, or a call got no answer within the timeout. Fatal for
 * the run (the client is dead), but not for the session: the worker reconnects on its next job.
 */
export class TelegramUnreachableError extends FatalSourceError {
  override name = 'TelegramUnreachableError';
  constructor(detail: string) {
    super(`cannot reach Telegram: ${detail}`);
  }
}

/** Too large to store: refused from the media's declared size, before downloading. */
export class MediaTooLargeError extends Error {
  override name = 'MediaTooLargeError';
}
