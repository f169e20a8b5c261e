/**
 * One sync (or export import) of one channel: the careful-archiver loop shared by every message source.
 *
 * - Holds the channel's sync lock for the whole run (one sync per channel, even with several workers).
 * - Fetches batches oldest-first after the channel's last_message_id; a batch that ends inside an album
 *   leaves that album for the next fetch so its caption reaches every image.
 * - Downloads with bounded concurrency; each message is committed on its own by the ingest service
 *   (file first, then the row; (channel, message id) is unique so a repeat is a no-op), and
 *   last_message_id advances only over the contiguous prefix of finished messages.
 * - FloodWait sleeps exactly the asked seconds; other failures retry with backoff; a message that keeps
 *   failing is recorded in the run's errors and kept as a gap (sync_gaps): progress moves past it, and
 *   later runs fetch it again by id with backoff until it is stored. A fatal source error (session
 *   expired, connection lost) stops the run without advancing past unfinished messages.
 * - Counts go to the sync_runs row as they change (throttled) and to the progress sink.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import type { SyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { ImageRejectedError } from '@waifudex/core/images/analyze-image';
import {
  advanceLastMessageId,
  findChannelById,
  setChannelError,
  type Channel,
} from '@waifudex/core/repos/channels.repo';
import { findCharacterBySource } from '@waifudex/core/repos/characters.repo';
import { nonCharacterReason } from '@waifudex/core/captions/character-post';
import { recordSkippedPost } from '@waifudex/core/repos/skipped-posts.repo';
import { findStoredAlbum } from '@waifudex/core/repos/sync-messages.repo';
import {
  closeGaps,
  countGaps,
  listDueGaps,
  listGapMessageIds,
  recordGapFailure,
  type GapReason,
} from '@waifudex/core/repos/sync-gaps.repo';
import {
  emptyCounts,
  finishRun,
  startRun,
  tryLockChannel,
  updateRunProgress,
  type SyncCounts,
  type SyncRunError,
} from '@waifudex/core/repos/sync-runs.repo';
import {
  FatalSourceError,
  FloodWaitSignal,
  MediaTooLargeError,
  TransientSourceError,
  type CaptionEntity,
  type IncomingMessage,
  type SkipReason,
} from '../telegram/source.js';
import { silentProgress, type ProgressSink } from '../progress/progress.js';
import { realSleep, withRetry, type Sleep } from './retry.js';

export interface RunDeps {
  db: Db;
  ingest: IngestService;
  apply: SyncApplyService;
  logger: Logger;
  sleep?: Sleep;
  progress?: ProgressSink;
  /** Identifies this process in lock leases. */
  owner?: string;
}

export interface RunOptions {
  kind: 'sync' | 'import' | 'live';
  batchSize: number;
  concurrency: number;
  /** Attempts per message before it is recorded as failed (default 4). */
  maxAttempts?: number;
  /** Stops between messages (worker shutdown): the run ends as 'cancelled'. */
  signal?: AbortSignal;
  /** Minimum milliseconds between sync_runs updates (default 1000). */
  publishIntervalMs?: number;
  /** Label for progress and logs (default the channel title). */
  label?: string;
  /** Start after this message id instead of the channel's last_message_id (export re-scan). */
  fromMessageId?: number;
}

/** How the run gets its messages and bytes. */
export interface RunSource {
  /** Messages with id > minId, oldest first, at most `limit`. */
  fetchBatch(minId: number, limit: number): Promise<IncomingMessage[]>;
  download(message: IncomingMessage): Promise<Buffer>;
  /** Estimate of the newest id (for the ETA). */
  latestMessageId?(): Promise<number | null>;
  /** Messages by id (null: deleted); when present, the run retries the channel's due gaps with it. */
  getMessages?(ids: number[]): Promise<(IncomingMessage | null)[]>;
  /** Extra work after the new messages while the lock is held (the edit/delete recheck). */
  afterNewMessages?(ctx: RunContext): Promise<void>;
}

export interface RunContext {
  channel: Channel;
  counts: SyncCounts;
  publish(force?: boolean): Promise<void>;
  recordError(messageId: number | null, err: unknown): void;
  retry<T>(fn: () => Promise<T>): Promise<T>;
}

export type RunStatus = 'ok' | 'failed' | 'cancelled' | 'locked';

export interface RunResult {
  status: RunStatus;
  runId: string | null;
  counts: SyncCounts;
  error: string | null;
  /** The error that stopped the run (FatalSourceError, SessionExpiredError …). */
  fatal?: unknown;
}

export const defaultOwner = () => `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;

/** Errors that no retry will fix. */
export function isPermanentError(err: unknown): boolean {
  return err instanceof ImageRejectedError || err instanceof MediaTooLargeError;
}

/** Skips that mean "the file is missing here", not "nothing to store": they stay gaps. */
export const MISSING_FILE_SKIPS = new Set<SkipReason>(['file_not_included', 'file_unavailable']);

/** Why a message that kept failing is a gap. */
function gapReason(err: unknown): GapReason {
  if (err instanceof FloodWaitSignal) return 'flood_wait';
  const msg = err instanceof Error ? err.message : String(err);
  if (/FILE_REFERENCE|FILE_ID_INVALID|LOCATION_INVALID|file unavailable/i.test(msg)) return 'file_unavailable';
  if (err instanceof TransientSourceError) return 'network';
  return 'download';
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
}

/** Splits a batch into units processed by one worker each: an album, or messages sharing a character id, stay together in order. */
function unitsOf(messages: IncomingMessage[], keyOf: (m: IncomingMessage) => string | null): IncomingMessage[][] {
  const units: IncomingMessage[][] = [];
  const byKey = new Map<string, IncomingMessage[]>();
  for (const m of messages) {
    const key = m.groupedId ? `g:${m.groupedId}` : keyOf(m);
    const existing = key ? byKey.get(key) : undefined;
    if (existing) {
      existing.push(m);
      continue;
    }
    const unit = [m];
    units.push(unit);
    if (key) byKey.set(key, unit);
  }
  return units;
}

/** Runs one channel. Never throws for per-message problems; returns the outcome (fatal errors included). */
export async function runChannel(
  deps: RunDeps,
  channelIn: Channel,
  source: RunSource,
  opts: RunOptions,
): Promise<RunResult> {
  const sleep = deps.sleep ?? realSleep;
  const progress = deps.progress ?? silentProgress;
  const log = deps.logger.child({ channel: channelIn.id });
  const label = opts.label ?? (channelIn.title || `channel ${channelIn.id}`);

  const lock = await tryLockChannel(deps.db, channelIn.id);
  if (!lock) {
    log.info('another sync of this channel is running; skipping');
    return { status: 'locked', runId: null, counts: emptyCounts(), error: 'another sync of this channel is running' };
  }
  const channel = (await findChannelById(deps.db, channelIn.id)) ?? channelIn; // fresh resume point under the lock
  const run = await startRun(deps.db, channel.id, opts.kind);
  const counts = emptyCounts();
  let pendingErrors: SyncRunError[] = [];
  let lastPublish = 0;
  const publishEvery = opts.publishIntervalMs ?? 1000;

  const publish = async (force = false) => {
    progress.update(label, counts);
    if (!force && Date.now() - lastPublish < publishEvery) return;
    lastPublish = Date.now();
    const errs = pendingErrors;
    pendingErrors = [];
    await updateRunProgress(deps.db, run.id, counts, errs);
  };
  const recordError = (messageId: number | null, err: unknown) => {
    pendingErrors.push({ messageId, error: errorText(err).slice(0, 500), at: new Date().toISOString() });
  };
  const retry = <T>(fn: () => Promise<T>) =>
    withRetry(fn, {
      sleep,
      maxAttempts: opts.maxAttempts ?? 4,
      isPermanent: isPermanentError,
      onFloodWait: async (seconds) => {
        log.warn({ seconds }, `Telegram asked to wait ${seconds} s (FloodWait); sleeping`);
        counts.floodWaitSeconds += seconds;
        counts.waitingUntil = new Date(Date.now() + seconds * 1000).toISOString();
        await publish(true);
      },
      onFloodWaitEnd: () => {
        counts.waitingUntil = null;
      },
      onRetry: (err, attempt, delay) => log.debug({ err: errorText(err), attempt, delay }, 'retrying'),
    });
  const ctx: RunContext = { channel, counts, publish, recordError, retry };
  const gaps = await listGapMessageIds(deps.db, channel.id);
  counts.gapsOpen = gaps.size;

  // heartbeat while long operations (FloodWait sleeps, big downloads) run
  // catch: a missed heartbeat is written again 30 s later
  const beat = setInterval(() => void publish(true).catch(() => undefined), 30_000);
  beat.unref();

  let fatal: unknown = null;
  let cancelled = false;
  try {
    let cursor = opts.fromMessageId ?? channel.lastMessageId;
    counts.lastMessageId = cursor;
    if (source.latestMessageId) {
      const latest = await retry(() => source.latestMessageId!()).catch((err) => {
        if (err instanceof FatalSourceError) throw err;
        return null;
      });
      counts.remaining = latest != null ? Math.max(0, latest - cursor) : null;
    }
    await publish(true);

    for (;;) {
      if (opts.signal?.aborted) {
        cancelled = true;
        break;
      }
      let batch = await retry(() => source.fetchBatch(cursor, opts.batchSize));
      batch = batch.filter((m) => m.id > cursor).sort((a, b) => a.id - b.id);
      if (batch.length === 0) break;
      const full = batch.length >= opts.batchSize;
      // leave a trailing album for the next fetch (unless the whole batch is that album)
      const lastGroup = batch[batch.length - 1]!.groupedId;
      if (full && lastGroup) {
        const kept = batch.filter(
          (m, i) => !(m.groupedId === lastGroup && batch.slice(i).every((x) => x.groupedId === lastGroup)),
        );
        if (kept.length > 0) batch = kept;
      }
      const outcome = await processBatch(deps, ctx, batch, source, opts, log, { advance: true, gaps });
      if (outcome.committedUpTo > cursor) {
        cursor = outcome.committedUpTo;
        counts.lastMessageId = cursor;
      }
      if (outcome.fatal) {
        fatal = outcome.fatal;
        break;
      }
      if (outcome.cancelled) {
        cancelled = true;
        break;
      }
      await publish();
    }
    if (!fatal && !cancelled && source.getMessages && gaps.size) {
      const outcome = await retryGaps(deps, ctx, source, opts, log, gaps);
      fatal = outcome.fatal;
      cancelled = outcome.cancelled;
    }
    if (!fatal && !cancelled && source.afterNewMessages) await source.afterNewMessages(ctx);
  } catch (err) {
    fatal = err;
  } finally {
    clearInterval(beat);
  }

  counts.waitingUntil = null;
  counts.gapsOpen = await countGaps(deps.db, channel.id).catch(() => counts.gapsOpen ?? 0);
  counts.remaining = fatal || cancelled ? (counts.remaining ?? null) : 0;
  const status: Exclude<RunStatus, 'locked'> = fatal ? 'failed' : cancelled ? 'cancelled' : 'ok';
  const error = fatal ? errorText(fatal) : cancelled ? 'cancelled (shutting down)' : null;
  try {
    await finishRun(deps.db, run.id, status, counts, error, pendingErrors);
    await setChannelError(deps.db, channel.id, fatal ? error : null);
  } finally {
    // catch: the advisory lock is held by its connection: it goes with it if the unlock fails
    await lock.release().catch(() => undefined);
  }
  progress.finish(label, counts, status);
  if (fatal) log.error({ err: error }, 'sync stopped');
  else
    log.info(
      {
        status,
        scanned: counts.scanned,
        new: counts.new,
        updated: counts.updated,
        hidden: counts.hidden,
        failed: counts.failed,
        gapsFilled: counts.gapsFilled ?? 0,
        gapsOpen: counts.gapsOpen ?? 0,
      },
      'sync done',
    );
  return { status, runId: run.id, counts, error, ...(fatal ? { fatal } : {}) };
}

interface BatchOutcome {
  committedUpTo: number;
  fatal: unknown;
  cancelled: boolean;
}

/**
 * The channel's due gaps, fetched again by id and processed like new messages (without moving
 * last_message_id). A deleted message closes its gap; one that still fails is due again after the backoff.
 */
async function retryGaps(
  deps: RunDeps,
  ctx: RunContext,
  source: RunSource,
  opts: RunOptions,
  log: Logger,
  gaps: Set<number>,
): Promise<BatchOutcome> {
  const due = await listDueGaps(deps.db, ctx.channel.id);
  const ids = due.map((g) => g.messageId);
  const found: IncomingMessage[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const list = await ctx.retry(() => source.getMessages!(chunk));
    const gone = chunk.filter((_, j) => !list[j]);
    if (gone.length) {
      await closeGaps(deps.db, ctx.channel.id, gone);
      for (const id of gone) gaps.delete(id);
      ctx.counts.gapsOpen = gaps.size;
      ctx.counts.gapsFilled = (ctx.counts.gapsFilled ?? 0) + gone.length;
    }
    for (const m of list) if (m) found.push(m);
  }
  if (found.length === 0) return { committedUpTo: 0, fatal: null, cancelled: false };
  log.info({ gaps: found.length }, 'retrying skipped messages');
  found.sort((a, b) => a.id - b.id);
  return processBatch(deps, ctx, found, source, opts, log, { advance: false, gaps });
}

/** Processes one batch with bounded concurrency; advances last_message_id over the finished prefix (unless retrying gaps). */
async function processBatch(
  deps: RunDeps,
  ctx: RunContext,
  batch: IncomingMessage[],
  source: RunSource,
  opts: RunOptions,
  log: Logger,
  mode: { advance: boolean; gaps: Set<number> },
): Promise<BatchOutcome> {
  const { channel } = ctx;
  // the album caption (carried by one item) applies to every item
  const albumCaption = new Map<string, { text: string; entities: CaptionEntity[] }>();
  for (const m of batch) {
    if (m.groupedId && m.text.trim() && !albumCaption.has(m.groupedId))
      albumCaption.set(m.groupedId, { text: m.text, entities: m.entities });
  }
  for (const m of batch) {
    if (!m.groupedId || albumCaption.has(m.groupedId)) continue;
    // the caption item was committed earlier (resume mid-album): take it from the stored album
    const stored = await findStoredAlbum(deps.db, channel.id, m.groupedId);
    const withCaption = stored.find((s) => s.rawCaption.trim());
    albumCaption.set(m.groupedId, { text: withCaption?.rawCaption ?? '', entities: [] });
  }
  const captionOf = (m: IncomingMessage) =>
    m.groupedId && !m.text.trim() ? albumCaption.get(m.groupedId)! : { text: m.text, entities: m.entities };
  const sourceIdOf = (m: IncomingMessage) => {
    if (m.media.kind === 'skip') return null;
    const c = captionOf(m);
    const sid = c.text.trim() ? deps.ingest.parse(c.text, channel, c.entities).sourceId : null;
    return sid ? `s:${sid}` : null;
  };

  const index = new Map(batch.map((m, i) => [m.id, i]));
  const done = new Array<boolean>(batch.length).fill(false);
  let prefix = 0;
  let committedUpTo = 0;
  let fatal: unknown = null;
  let cancelled = false;
  const units = unitsOf(batch, sourceIdOf);
  let next = 0;

  const markDone = async (m: IncomingMessage) => {
    done[index.get(m.id)!] = true;
    let moved = false;
    while (prefix < batch.length && done[prefix]) {
      prefix++;
      moved = true;
    }
    if (moved) {
      const upTo = batch[prefix - 1]!.id;
      if (upTo > committedUpTo) {
        committedUpTo = upTo;
        if (mode.advance) await advanceLastMessageId(deps.db, channel.id, upTo);
      }
    }
  };

  const fill = async (m: IncomingMessage) => {
    if (!mode.gaps.has(m.id)) return;
    mode.gaps.delete(m.id);
    await closeGaps(deps.db, channel.id, [m.id]);
    ctx.counts.gapsFilled = (ctx.counts.gapsFilled ?? 0) + 1;
    ctx.counts.gapsOpen = mode.gaps.size;
  };
  const processOne = async (m: IncomingMessage) => {
    ctx.counts.scanned++;
    if (ctx.counts.remaining != null && ctx.counts.remaining > 0) ctx.counts.remaining--;
    if (m.media.kind === 'skip') {
      ctx.counts.skipped[m.media.reason] = (ctx.counts.skipped[m.media.reason] ?? 0) + 1;
      if (!MISSING_FILE_SKIPS.has(m.media.reason)) await fill(m); // nothing storable after all
      return;
    }
    const caption = captionOf(m);
    const parsed = caption.text.trim() ? deps.ingest.parse(caption.text, channel, caption.entities) : null;
    const notCharacter = nonCharacterReason(parsed, caption.text);
    if (notCharacter) {
      // Spawn messages and legends are not characters: nothing to download (the ingest applies the same rule).
      ctx.counts.skipped[notCharacter] = (ctx.counts.skipped[notCharacter] ?? 0) + 1;
      await recordSkippedPost(deps.db, {
        channelId: channel.id,
        messageId: m.id,
        reason: notCharacter,
        caption: caption.text,
      });
      await fill(m);
      return;
    }
    try {
      const bytes = await ctx.retry(() => source.download(m));
      ctx.counts.downloaded++;
      const before = parsed?.sourceId ? await findCharacterBySource(deps.db, channel.id, parsed.sourceId) : null;
      const outcome = await ctx.retry(() =>
        deps.ingest.ingestImage({
          bytes,
          caption: caption.text,
          entities: caption.entities,
          channel,
          messageId: m.id,
          groupedId: m.groupedId,
          telegramPhotoId:
            m.media.kind === 'photo'
              ? m.media.photoId || null
              : m.media.kind === 'image_document'
                ? `doc:${m.media.documentId}`
                : null,
          postedAt: m.date,
        }),
      );
      switch (outcome.status) {
        case 'created':
          ctx.counts.new++;
          break;
        case 'new_artwork':
          ctx.counts.new++;
          if (before && !(await sameAlbum(deps, channel, m, before.id)))
            await deps.apply.recordRepost(channel, before, outcome.artworkId, m.id);
          break;
        case 'already_stored':
        case 'duplicate_image':
          ctx.counts.skipped[outcome.status] = (ctx.counts.skipped[outcome.status] ?? 0) + 1;
          break;
      }
      await fill(m);
    } catch (err) {
      if (err instanceof FatalSourceError) throw err;
      if (isPermanentError(err)) {
        const reason = err instanceof MediaTooLargeError ? 'too_large' : 'invalid_image';
        ctx.counts.skipped[reason] = (ctx.counts.skipped[reason] ?? 0) + 1;
        ctx.recordError(m.id, err);
        await fill(m);
        return;
      }
      ctx.counts.failed++;
      ctx.recordError(m.id, err);
      const gap = await recordGapFailure(deps.db, {
        channelId: channel.id,
        messageId: m.id,
        reason: gapReason(err),
        error: errorText(err),
      });
      mode.gaps.add(m.id);
      ctx.counts.gapsOpen = mode.gaps.size;
      log.warn(
        { message: m.id, err: errorText(err), attempts: gap.attempts, retryAt: gap.nextAttemptAt },
        'message failed repeatedly; kept as a gap for a later run',
      );
    }
  };

  const worker = async () => {
    while (!fatal && !cancelled && next < units.length) {
      const unit = units[next++]!;
      for (const m of unit) {
        if (fatal || cancelled) return;
        if (opts.signal?.aborted) {
          cancelled = true;
          return;
        }
        try {
          await processOne(m);
        } catch (err) {
          fatal ??= err;
          return;
        }
        await markDone(m);
        await ctx.publish();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, units.length)) }, worker));
  return { committedUpTo, fatal, cancelled };
}

/** Whether a new artwork of a known character is just another image of the album that created it (not a repost). */
async function sameAlbum(deps: RunDeps, channel: Channel, m: IncomingMessage, characterId: string): Promise<boolean> {
  if (!m.groupedId) return false;
  const album = await findStoredAlbum(deps.db, channel.id, m.groupedId);
  return album.some((s) => s.characterId === characterId && s.messageId !== m.id);
}
