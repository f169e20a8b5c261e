/**
 * Telegram channel sync over a MessageSource: resolve each channel once (peer id + access hash are
 * remembered), fetch new messages (channel-run.ts), then re-read the last N days for caption edits and
 * deleted posts. Also the dry run and the live-update handlers.
 */
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import type { SyncApplyService } from '@waifudex/core/services/sync-apply.service';
import {
  findChannelById,
  findChannelByPeerId,
  findChannelByRef,
  findChannelByUsername,
  listSyncableChannels,
  rememberResolvedChannel,
  setChannelError,
  type Channel,
} from '@waifudex/core/repos/channels.repo';
import {
  findStoredAlbum,
  findStoredMessages,
  listRecentChannelMessages,
  type StoredMessage,
} from '@waifudex/core/repos/sync-messages.repo';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import {
  clearResolveFailure,
  findPendingResolveFailure,
  recordResolveFailure,
} from '@waifudex/core/repos/channel-resolve-failures.repo';
import {
  ChannelUnavailableError,
  FloodWaitSignal,
  SessionExpiredError,
  TelegramUnreachableError,
  type IncomingMessage,
  type MessageSource,
  type ResolvedChannel,
} from '../telegram/source.js';
import { albumCaptions } from './album-captions.js';
import { runChannel, type RunContext, type RunDeps, type RunOptions, type RunResult } from './channel-run.js';
import { withRetry, realSleep } from './retry.js';

export interface SyncServiceDeps extends RunDeps {
  source: MessageSource;
}

export interface SyncSettings {
  batchSize: number;
  concurrency: number;
  recheckDays: number;
  maxAttempts?: number;
  signal?: AbortSignal;
  publishIntervalMs?: number;
}

export interface ChannelTarget {
  channel: Channel;
  resolved: ResolvedChannel;
}

/** FloodWaits up to this long are slept while resolving; longer ones end the attempt and are remembered. */
export const RESOLVE_MAX_FLOOD_WAIT_SECONDS = 300;
/** A numeric id not among the account's chats is looked for again after this long. */
export const UNRESOLVED_ID_RETRY_SECONDS = 6 * 3600;

function isIdRef(ref: string): boolean {
  try {
    return parseChannelRef(ref).kind === 'id';
  } catch {
    return false;
  }
}

function toResolved(c: Channel): ResolvedChannel | null {
  if (!c.peerId || !c.accessHash) return null;
  return { peerId: c.peerId, accessHash: c.accessHash, title: c.title, username: c.username };
}

/**
 * The channels to sync: TELEGRAM_CHANNELS entries and enabled channel rows (admin panel). A channel is
 * resolved through Telegram only the first time; afterwards its stored peer id and access hash are used.
 * Channels that cannot be resolved get their error recorded and are left out; an expired session throws.
 */
export async function resolveTargets(
  deps: { db: Db; source: MessageSource; logger: Logger; sleep?: RunDeps['sleep'] },
  refs: string[],
  only?: string | null,
  opts: { remember?: boolean } = {},
): Promise<{ targets: ChannelTarget[]; errors: { ref: string; error: string }[] }> {
  const targets = new Map<string, ChannelTarget>();
  const errors: { ref: string; error: string }[] = [];
  const retry = <T>(ref: string, fn: () => Promise<T>) =>
    withRetry(fn, {
      sleep: deps.sleep ?? realSleep,
      maxAttempts: 3,
      // username lookups are rate-limited hard (waits of hours): a long wait is remembered, not slept
      maxFloodWaitSeconds: RESOLVE_MAX_FLOOD_WAIT_SECONDS,
      onFloodWait: (seconds) =>
        deps.logger.warn({ ref, seconds }, `Telegram asked to wait ${seconds} s before resolving ${ref} (FloodWait)`),
    });

  const known = async (ref: string): Promise<Channel | null> => {
    const byRef = await findChannelByRef(deps.db, ref);
    if (byRef) return byRef;
    try {
      const p = parseChannelRef(ref);
      if (p.kind === 'id') return findChannelByPeerId(deps.db, p.peerId);
      if (p.kind === 'username') return findChannelByUsername(deps.db, p.username);
    } catch {
      /* reported by resolve below */
    }
    return null;
  };

  const resolveOne = async (ref: string, row: Channel | null) => {
    try {
      const stored = row ? toResolved(row) : null;
      if (row && stored) {
        if (!row.ref && refs.includes(ref) && opts.remember !== false)
          await rememberResolvedChannel(deps.db, { rowId: row.id, ref, ...stored });
        targets.set(row.id, { channel: (await findChannelById(deps.db, row.id)) ?? row, resolved: stored });
        return;
      }
      const remember = opts.remember !== false;
      const failed = await findPendingResolveFailure(deps.db, ref);
      if (failed && !only) {
        // resolving it again would walk every dialog (or hit the same FloodWait): not before retry_at
        errors.push({ ref, error: `${failed.error} (not tried again before ${failed.retryAt})` });
        deps.logger.info({ ref, retryAt: failed.retryAt }, 'channel could not be resolved earlier; skipped until then');
        return;
      }
      let resolved: ResolvedChannel;
      try {
        resolved = await retry(ref, () => deps.source.resolveChannel(ref));
      } catch (err) {
        const retryAfter =
          err instanceof FloodWaitSignal
            ? err.seconds
            : err instanceof ChannelUnavailableError && isIdRef(ref)
              ? UNRESOLVED_ID_RETRY_SECONDS
              : null;
        if (retryAfter != null && remember)
          await recordResolveFailure(deps.db, ref, (err as Error).message, retryAfter);
        throw err;
      }
      // catch: the channel resolved; a stale failure row only delays a later retry
      if (remember) await clearResolveFailure(deps.db, ref).catch(() => undefined);
      if (opts.remember === false) {
        // dry run: nothing is written, the channel is described in memory only
        const channel: Channel = row ?? {
          id: `new:${resolved.peerId}`,
          peerId: resolved.peerId,
          accessHash: resolved.accessHash,
          username: resolved.username,
          inviteLink: null,
          title: resolved.title,
          captionTemplate: null,
          rarityEmojis: {},
          lastMessageId: 0,
          lastSyncedAt: null,
          enabled: true,
          ref,
          source: 'telegram',
          lastError: null,
        };
        targets.set(channel.id, { channel, resolved });
        return;
      }
      const channel = await rememberResolvedChannel(deps.db, {
        rowId: row?.id ?? null,
        ref: refs.includes(ref) ? ref : (row?.ref ?? null),
        ...resolved,
        inviteLink: /\/(\+|joinchat\/)/.test(ref) ? ref : null,
      });
      deps.logger.info({ ref, channel: channel.id, title: channel.title }, 'channel resolved and remembered');
      targets.set(channel.id, {
        channel,
        resolved: { ...resolved, accessHash: resolved.accessHash ?? channel.accessHash },
      });
    } catch (err) {
      if (err instanceof SessionExpiredError || err instanceof TelegramUnreachableError) throw err;
      const msg = (err as Error).message;
      errors.push({ ref, error: msg });
      deps.logger.error({ ref, err: msg }, 'cannot resolve channel');
      if (row) await setChannelError(deps.db, row.id, msg);
    }
  };

  for (const ref of refs) await resolveOne(ref, await known(ref));
  for (const row of await listSyncableChannels(deps.db)) {
    if (targets.has(row.id)) continue;
    const ref = row.ref ?? row.inviteLink ?? (row.username ? `@${row.username}` : row.peerId);
    if (!ref) continue;
    await resolveOne(ref, row);
  }
  let list = [...targets.values()].filter((t) => t.channel.enabled);
  if (only) {
    list = list.filter(
      (t) =>
        t.channel.id === only ||
        t.channel.peerId === only ||
        t.channel.ref?.toLowerCase() === only.toLowerCase() ||
        (t.channel.username && `@${t.channel.username}`.toLowerCase() === `@${only.replace(/^@/, '')}`.toLowerCase()),
    );
  }
  return { targets: list, errors };
}

/** Syncs one resolved channel: new messages, then the edit/delete recheck over the last `recheckDays` days. */
export async function syncTelegramChannel(
  deps: SyncServiceDeps,
  target: ChannelTarget,
  s: SyncSettings,
  kind: RunOptions['kind'] = 'sync',
): Promise<RunResult> {
  const { source } = deps;
  const { resolved } = target;
  return runChannel(
    deps,
    target.channel,
    {
      fetchBatch: (minId, limit) => source.fetchBatch(resolved, { minId, limit }),
      download: (m) => source.download(resolved, m),
      ...(source.latestMessageId ? { latestMessageId: () => source.latestMessageId!(resolved) } : {}),
      getMessages: (ids) => source.getMessages(resolved, ids),
      afterNewMessages:
        s.recheckDays > 0 && kind === 'sync' ? (ctx) => recheck(deps, ctx, resolved, s.recheckDays) : undefined,
    },
    {
      kind,
      batchSize: s.batchSize,
      concurrency: s.concurrency,
      label: target.channel.username ? `@${target.channel.username}` : target.channel.title,
      ...(s.maxAttempts ? { maxAttempts: s.maxAttempts } : {}),
      ...(s.signal ? { signal: s.signal } : {}),
      ...(s.publishIntervalMs != null ? { publishIntervalMs: s.publishIntervalMs } : {}),
    },
  );
}

/**
 * Applies what changed to stored messages: deleted ones are hidden, edited captions re-parsed (an album's
 * caption applies to each of its images). `fetched` holds the current message (or null when deleted)
 * for each stored message id.
 */
export async function applyMessageUpdates(
  deps: { apply: SyncApplyService; logger: Logger },
  channel: Channel,
  stored: StoredMessage[],
  fetched: Map<number, IncomingMessage | null>,
): Promise<{ updated: number; hidden: number }> {
  const deleted = stored
    .filter((s) => fetched.has(s.messageId) && fetched.get(s.messageId) === null)
    .map((s) => s.messageId);
  const hidden = deleted.length ? await deps.apply.hideDeletedMessages(channel, deleted) : 0;
  const albums = albumCaptions(fetched.values());
  let updated = 0;
  for (const s of stored) {
    const m = fetched.get(s.messageId);
    if (!m) continue;
    const src = albums.sourceOf(m);
    if (!src) continue; // album caption not among the fetched messages: leave it
    const changed = await deps.apply.applyCaptionEdit(channel, s, src.text, src.entities);
    if (changed && changed.length) updated++;
  }
  return { updated, hidden };
}

async function recheck(deps: SyncServiceDeps, ctx: RunContext, resolved: ResolvedChannel, days: number): Promise<void> {
  const since = new Date(Date.now() - days * 86_400_000);
  const stored = await listRecentChannelMessages(deps.db, ctx.channel.id, since);
  if (stored.length === 0) return;
  const ids = [...new Set(stored.map((s) => s.messageId))];
  const fetched = new Map<number, IncomingMessage | null>();
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const list = await ctx.retry(() => deps.source.getMessages(resolved, chunk));
    chunk.forEach((id, j) => fetched.set(id, list[j] ?? null));
  }
  const r = await applyMessageUpdates(deps, ctx.channel, stored, fetched);
  ctx.counts.updated += r.updated;
  ctx.counts.hidden += r.hidden;
  await ctx.publish(true);
}

/** Syncs every target in turn; stops early on an expired session or a dead connection (rethrown). */
export async function syncTargets(
  deps: SyncServiceDeps,
  targets: ChannelTarget[],
  s: SyncSettings,
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const t of targets) {
    if (s.signal?.aborted) break;
    const r = await syncTelegramChannel(deps, t, s);
    results.push(r);
    if (r.fatal instanceof SessionExpiredError || r.fatal instanceof TelegramUnreachableError) throw r.fatal;
  }
  return results;
}

/**
 * Live update handlers: new messages trigger a (debounced) sync of their channel; edits and deletions
 * apply at once. An edit of a post not stored yet (its sync is still to come, or running with the old
 * caption) is kept and applied by applyPending() after the next sync of the channel.
 */
export function liveHandlers(
  deps: SyncServiceDeps,
  targets: ChannelTarget[],
  syncSoon: (channelId: string) => void,
): {
  onNew(peer: string, m: IncomingMessage): void;
  onEdit(peer: string, m: IncomingMessage): Promise<void>;
  onDelete(peer: string | null, ids: number[]): Promise<void>;
  applyPending(): Promise<void>;
} {
  const byPeer = new Map(targets.map((t) => [t.channel.peerId!, t]));
  const pending = new Map<string, { t: ChannelTarget; m: IncomingMessage }>();
  const apply = async (t: ChannelTarget, m: IncomingMessage): Promise<boolean> => {
    let ids = await findStoredMessages(deps.db, t.channel.id, [m.id]);
    if (m.groupedId && m.text.trim()) {
      // an album caption edit applies to every image of the album
      ids = await findStoredAlbum(deps.db, t.channel.id, m.groupedId);
    }
    if (ids.length === 0) return false;
    const fetched = new Map<number, IncomingMessage | null>(ids.map((s) => [s.messageId, { ...m, id: s.messageId }]));
    const r = await applyMessageUpdates(deps, t.channel, ids, fetched);
    if (r.updated) deps.logger.info({ channel: t.channel.id, message: m.id }, 'caption edit applied (live)');
    return true;
  };
  return {
    onNew(peer) {
      const t = byPeer.get(peer);
      if (t) syncSoon(t.channel.id);
    },
    async onEdit(peer, m) {
      const t = byPeer.get(peer);
      if (!t) return;
      if (await apply(t, m)) return;
      if (m.media.kind === 'skip') return;
      const key = `${t.channel.id}:${m.id}`;
      pending.delete(key); // re-insert: the newest edit wins and the map stays in arrival order
      pending.set(key, { t, m });
      if (pending.size > 1000) pending.delete(pending.keys().next().value!);
      syncSoon(t.channel.id);
    },
    async onDelete(peer, ids) {
      // updateDeleteMessages without a channel concerns private chats/groups only; channel deletions carry their peer
      if (!peer) return;
      const t = byPeer.get(peer);
      if (!t) return;
      for (const id of ids) pending.delete(`${t.channel.id}:${id}`);
      const hidden = await deps.apply.hideDeletedMessages(t.channel, ids);
      if (hidden) deps.logger.info({ channel: t.channel.id, hidden }, 'deleted posts hidden (live)');
    },
    async applyPending() {
      for (const [key, { t, m }] of [...pending]) {
        if (await apply(t, m)) pending.delete(key);
      }
    },
  };
}

/** Dry run: prints what would be stored (parsed fields per message) as JSON lines, writes nothing. */
export async function dryRunChannel(
  deps: { source: MessageSource; ingest: IngestService; sleep?: RunDeps['sleep'] },
  target: ChannelTarget,
  s: { batchSize: number; limit?: number },
  out: NodeJS.WritableStream,
): Promise<number> {
  let cursor = target.channel.lastMessageId;
  let n = 0;
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { sleep: deps.sleep ?? realSleep });
  const albums = albumCaptions<IncomingMessage>();
  for (;;) {
    const batch = (
      await retry(() => deps.source.fetchBatch(target.resolved, { minId: cursor, limit: s.batchSize }))
    ).filter((m) => m.id > cursor);
    if (batch.length === 0) break;
    albums.add(batch);
    for (const m of batch) {
      const src = albums.sourceOf(m) ?? m;
      out.write(JSON.stringify(describe(deps.ingest, target.channel, m, src)) + '\n');
      n++;
      if (s.limit && n >= s.limit) return n;
    }
    cursor = Math.max(...batch.map((m) => m.id));
  }
  return n;
}

/** One dry-run line. */
export function describe(
  ingest: IngestService,
  channel: Channel,
  m: IncomingMessage,
  captionSource: IncomingMessage = m,
) {
  const store = m.media.kind !== 'skip';
  return {
    channel: channel.username ? `@${channel.username}` : channel.title,
    message_id: m.id,
    date: m.date.toISOString(),
    grouped_id: m.groupedId,
    media: m.media.kind,
    ...(m.media.kind === 'skip' ? { skip_reason: m.media.reason } : {}),
    caption: captionSource.text,
    ...(store ? { parsed: ingest.parse(captionSource.text, channel, captionSource.entities) } : {}),
  };
}
