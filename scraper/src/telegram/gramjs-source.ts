/**
 * MessageSource over GramJS (a Telegram *user* session). Every call goes through `call()`, which puts a
 * deadline on it (GramJS never rejects a request while it is disconnected: it waits for a connection that
 * may never come) and turns GramJS errors into the source errors. FloodWait is never slept here:
 * floodSleepThreshold is 0 so the sync sleeps exactly the asked seconds itself, logs it and shows it.
 */
import { Api, TelegramClient, errors, helpers, utils } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import { EditedMessage, type EditedMessageEvent } from 'telegram/events/EditedMessage.js';
import { DeletedMessage, type DeletedMessageEvent } from 'telegram/events/DeletedMessage.js';
import { Raw } from 'telegram/events/Raw.js';
import { Logger as GramLogger, LogLevel } from 'telegram/extensions/Logger.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import type { Logger } from '@waifudex/core/logger';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import { isDeleted, mapMessage, translateError } from './message-mapper.js';
import { parseProxy } from './proxy.js';
import { CallTimeoutError, withTimeout } from './timeout.js';
import {
  ChannelUnavailableError,
  FatalSourceError,
  FloodWaitSignal,
  MediaTooLargeError,
  TelegramUnreachableError,
  type IncomingMessage,
  type LiveHandlers,
  type MessageSource,
  type ResolvedChannel,
} from './source.js';

export interface TelegramClientOptions {
  apiId: number;
  apiHash: string;
  /** Plain StringSession ('' for a new login). */
  session: string;
  proxy?: string | undefined;
}

/** A GramJS client configured for this app (no auto FloodWait sleeping, quiet library logs). */
export function createTelegramClient(o: TelegramClientOptions): TelegramClient {
  const proxy = parseProxy(o.proxy);
  const client = new TelegramClient(new StringSession(o.session), o.apiId, o.apiHash, {
    // connect() gives up (resolves false) after these; the caller's deadline covers black-holed links,
    // where each attempt waits for the OS (GramJS ignores its own connect timeout)
    connectionRetries: 3,
    retryDelay: 1000,
    autoReconnect: true,
    floodSleepThreshold: 0,
    // GramJS prints every failed connect attempt with a stack; the source reports failures itself
    baseLogger: new GramLogger(LogLevel.NONE),
    deviceModel: 'Waifudex',
    appVersion: '0.1',
    ...(proxy ? { proxy } : {}),
  });
  return client;
}

/** The session string to store after a login (never log it). */
export function saveSession(client: TelegramClient): string {
  return (client.session as StringSession).save();
}

function isFileReferenceError(err: unknown): boolean {
  return err instanceof errors.RPCError && /^FILE_REFERENCE_(EXPIRED|INVALID)/.test(err.errorMessage);
}

export function channelToResolved(ch: Api.Channel): ResolvedChannel {
  // a channel with only collectible (fragment) usernames has `usernames` and no `username`
  const username = ch.username ?? ch.usernames?.find((u) => u.active)?.username ?? null;
  return {
    peerId: ch.id.toString(),
    accessHash: ch.accessHash ? ch.accessHash.toString() : null,
    title: ch.title,
    username,
  };
}

/** The Bot-API style marked id (-100…) GramJS's event filters resolve without a request. */
export function markedChannelId(peerId: string): string {
  return utils.getPeerId(new Api.PeerChannel({ channelId: helpers.returnBigInt(peerId) }));
}

/** The TelegramClient methods the source uses (tests pass a fake with GramJS's exact behaviour). */
export type GramClient = Pick<
  TelegramClient,
  | 'connect'
  | 'invoke'
  | 'getMessages'
  | 'downloadMedia'
  | 'iterDialogs'
  | 'addEventHandler'
  | 'removeEventHandler'
  | 'destroy'
>;

export interface GramjsSourceOptions {
  /** Deadline of one request (connect included); downloads get 4×. */
  timeoutMs: number;
  /** Media declared larger than this is refused before downloading (default 25 MB). */
  maxDownloadBytes?: number;
  /** Builds the client (default createTelegramClient). */
  makeClient?: (o: TelegramClientOptions) => GramClient;
}

/** GramJS's own "you are not connected" errors: the client will not recover by itself. */
function isDisconnectedError(err: unknown): boolean {
  return (
    err instanceof Error &&
    /^Cannot send requests while disconnected|^Not connected|^Connection closed/.test(err.message)
  );
}

/** A connect/auth-check failure as the error to report (only real auth errors expire the session). */
export function connectFailure(err: unknown): unknown {
  if (err instanceof CallTimeoutError) return new TelegramUnreachableError(err.message);
  if (isDisconnectedError(err)) return new TelegramUnreachableError((err as Error).message);
  const t = translateError(err);
  if (t instanceof FatalSourceError || t instanceof FloodWaitSignal) return t;
  return new TelegramUnreachableError(t instanceof Error ? t.message : String(t));
}

function inputPeer(c: ResolvedChannel): Api.InputPeerChannel {
  return new Api.InputPeerChannel({
    channelId: helpers.returnBigInt(c.peerId),
    accessHash: helpers.returnBigInt(c.accessHash ?? '0'),
  });
}

/** GramJS MessageSource over a connected, authorised client. */
export class GramjsSource implements MessageSource {
  /** Raw messages of the latest batch / lookups, so download() does not refetch them. */
  private raw = new Map<string, Api.Message>();
  /** Why the client is dead (a call timed out or GramJS said it is disconnected); null while alive. */
  private dead: string | null = null;
  private readonly timeoutMs: number;
  private readonly maxDownloadBytes: number;

  constructor(
    private readonly client: GramClient,
    private readonly logger: Logger,
    o: Partial<GramjsSourceOptions> = {},
  ) {
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.maxDownloadBytes = o.maxDownloadBytes ?? 25 * 1024 * 1024;
  }

  /**
   * Connects and checks the session. connect() resolves false (never throws) when Telegram is unreachable,
   * and checkAuthorization() turns *every* error into false (and hangs when not connected), so both are
   * replaced: a failed connect is TelegramUnreachableError; the session check is our own GetState, where
   * only real auth errors (AUTH_KEY_UNREGISTERED, SESSION_REVOKED, 401 …) become SessionExpiredError.
   */
  static async connect(opts: TelegramClientOptions, logger: Logger, o: GramjsSourceOptions): Promise<GramjsSource> {
    const client = (o.makeClient ?? createTelegramClient)(opts);
    const give = async (err: unknown): Promise<never> => {
      // catch: already failing with `err`; disconnecting is best effort
      await withTimeout(client.destroy(), 5000, 'disconnect').catch(() => undefined);
      throw err;
    };
    let ok: boolean;
    try {
      ok = await withTimeout(client.connect(), o.timeoutMs, 'connect');
    } catch (err) {
      return give(connectFailure(err));
    }
    if (!ok)
      return give(
        new TelegramUnreachableError(
          `connection failed${opts.proxy ? ' (through TELEGRAM_PROXY)' : ''}; check the network`,
        ),
      );
    try {
      await withTimeout(client.invoke(new Api.updates.GetState()), o.timeoutMs, 'the session check');
    } catch (err) {
      return give(connectFailure(err));
    }
    return new GramjsSource(client, logger, o);
  }

  isAlive(): boolean {
    return this.dead === null;
  }

  /** Runs one Telegram call under the deadline; a timeout or a disconnected client kills the source. */
  private async call<T>(what: string, fn: () => Promise<T>, ms = this.timeoutMs): Promise<T> {
    if (this.dead) throw new TelegramUnreachableError(this.dead);
    try {
      return await withTimeout(fn(), ms, what);
    } catch (err) {
      if (err instanceof CallTimeoutError || isDisconnectedError(err)) {
        this.dead = (err as Error).message;
        throw new TelegramUnreachableError(this.dead);
      }
      throw translateError(err);
    }
  }

  async resolveChannel(ref: string): Promise<ResolvedChannel> {
    const parsed = parseChannelRef(ref);
    if (parsed.kind === 'username') {
      const r = await this.call('resolve username', () =>
        this.client.invoke(new Api.contacts.ResolveUsername({ username: parsed.username })),
      );
      // the response may list other chats (e.g. a linked discussion group): take the peer that was resolved
      const id = r.peer instanceof Api.PeerChannel ? r.peer.channelId.toString() : null;
      const ch = id
        ? r.chats.find((c): c is Api.Channel => c instanceof Api.Channel && c.id.toString() === id)
        : undefined;
      if (!ch) throw new ChannelUnavailableError(`@${parsed.username} is not a channel`);
      return channelToResolved(ch);
    }
    if (parsed.kind === 'invite') {
      const r = await this.call('check invite', () =>
        this.client.invoke(new Api.messages.CheckChatInvite({ hash: parsed.hash })),
      );
      if (r instanceof Api.ChatInviteAlready && r.chat instanceof Api.Channel) return channelToResolved(r.chat);
      throw new ChannelUnavailableError(
        `the logged-in account is not a member of the channel behind ${ref}: join it in Telegram first`,
      );
    }
    // numeric id (or a t.me/c/ link): only resolvable through the account's dialogs (it must be a member anyway)
    const found = await this.call(
      'list dialogs',
      async () => {
        for await (const d of this.client.iterDialogs({})) {
          const e = d.entity;
          if (e instanceof Api.Channel && e.id.toString() === parsed.peerId) return channelToResolved(e);
        }
        return null;
      },
      this.timeoutMs * 4,
    );
    if (found) return found;
    throw new ChannelUnavailableError(`channel ${ref} is not among the logged-in account's chats: join it first`);
  }

  async fetchBatch(channel: ResolvedChannel, opts: { minId: number; limit: number }): Promise<IncomingMessage[]> {
    const list = await this.call('get history', () =>
      this.client.getMessages(inputPeer(channel), { minId: opts.minId, limit: opts.limit, reverse: true }),
    );
    this.raw.clear();
    const out: IncomingMessage[] = [];
    for (const m of list) {
      if (!m || m.id <= opts.minId) continue;
      if (m instanceof Api.Message) this.raw.set(`${channel.peerId}:${m.id}`, m);
      out.push(mapMessage(m));
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async latestMessageId(channel: ResolvedChannel): Promise<number | null> {
    const list = await this.call('get latest message', () => this.client.getMessages(inputPeer(channel), { limit: 1 }));
    return list[0]?.id ?? null;
  }

  private async fetchRaw(channel: ResolvedChannel, ids: number[]): Promise<Map<number, Api.Message>> {
    const out = new Map<number, Api.Message>();
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const list = await this.call('get messages', () => this.client.getMessages(inputPeer(channel), { ids: chunk }));
      for (const m of list) {
        if (isDeleted(m) || !(m instanceof Api.Message)) continue;
        out.set(m.id, m);
      }
    }
    return out;
  }

  async download(channel: ResolvedChannel, message: IncomingMessage): Promise<Buffer> {
    const declared = message.media.kind === 'skip' ? null : message.media.bytes;
    if (declared != null && declared > this.maxDownloadBytes) {
      // GramJS buffers the whole file in memory: refuse before the first byte
      throw new MediaTooLargeError(
        `message ${message.id}: ${declared} bytes is over the ${this.maxDownloadBytes} byte limit`,
      );
    }
    const key = `${channel.peerId}:${message.id}`;
    let raw = this.raw.get(key) ?? (await this.fetchRaw(channel, [message.id])).get(message.id);
    if (!raw) throw new Error(`message ${message.id} is gone`);
    const thumb = message.media.kind === 'photo' && message.media.sizeType ? message.media.sizeType : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        // thumb by type letter: GramJS matches strings against every size kind (PhotoSizeProgressive
        // included, which an instance would not match), and never picks a video size of the photo
        const target = raw;
        const r = await this.call(
          'download',
          () => this.client.downloadMedia(target, thumb ? { thumb: thumb as unknown as number } : {}),
          this.timeoutMs * 4,
        );
        if (!r || typeof r === 'string' || r.length === 0) throw new Error(`message ${message.id}: empty download`);
        if (r.length > this.maxDownloadBytes)
          throw new MediaTooLargeError(
            `message ${message.id}: ${r.length} bytes is over the ${this.maxDownloadBytes} byte limit`,
          );
        this.raw.delete(key);
        return r;
      } catch (err) {
        if (isFileReferenceError(err) && attempt === 0) {
          // file references expire after a while: refetch the message for a fresh one
          this.logger.debug({ message: message.id }, 'file reference expired; refetching the message');
          const fresh = (await this.fetchRaw(channel, [message.id])).get(message.id);
          if (!fresh) throw new Error(`message ${message.id} is gone`, { cause: err });
          raw = fresh;
          continue;
        }
        throw err;
      }
    }
  }

  async getMessages(channel: ResolvedChannel, ids: number[]): Promise<(IncomingMessage | null)[]> {
    const found = await this.fetchRaw(channel, ids);
    for (const [id, m] of found) this.raw.set(`${channel.peerId}:${id}`, m);
    return ids.map((id) => {
      const m = found.get(id);
      return m ? mapMessage(m) : null;
    });
  }

  /**
   * Live updates. The chats filter takes marked ids ("-100…"): GramJS stringifies whatever it is given and
   * resolves the strings on the first update, inside an update dispatch nobody awaits, so an object there
   * ("[object Object]") is an unhandled rejection that exits Node. The builders are resolved here, where a
   * failure is ours to report, and every handler is wrapped so its error is logged, never thrown.
   */
  async subscribe(channels: ResolvedChannel[], handlers: LiveHandlers): Promise<() => Promise<void>> {
    const ids = new Set(channels.map((c) => c.peerId));
    const chats = channels.map((c) => markedChannelId(c.peerId));
    const peerOf = (m: Api.Message) => (m.peerId instanceof Api.PeerChannel ? m.peerId.channelId.toString() : null);
    const safe = (what: string, fn: () => void | Promise<void>) => {
      Promise.resolve()
        .then(fn)
        .catch((err) => this.logger.warn({ err: (err as Error).message }, `live ${what} handler failed`));
    };
    const guard =
      <E>(what: string, fn: (e: E) => void) =>
      (e: E) => {
        try {
          fn(e);
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, `live ${what} update could not be read`);
        }
      };
    const onNew = guard<NewMessageEvent>('new', (e) => {
      const peer = peerOf(e.message);
      if (!peer || !ids.has(peer)) return;
      this.raw.set(`${peer}:${e.message.id}`, e.message);
      const m = mapMessage(e.message);
      safe('new', () => handlers.onNew(peer, m));
    });
    const onEdit = guard<EditedMessageEvent>('edit', (e) => {
      const peer = peerOf(e.message);
      if (!peer || !ids.has(peer)) return;
      const m = mapMessage(e.message);
      safe('edit', () => handlers.onEdit(peer, m));
    });
    const onDelete = guard<DeletedMessageEvent>('delete', (e) => {
      const peer = e.peer instanceof Api.PeerChannel ? e.peer.channelId.toString() : null;
      if (peer && !ids.has(peer)) return;
      safe('delete', () => handlers.onDelete(peer, e.deletedIds));
    });
    // GramJS reports every (re)connect as an UpdateConnectionState; it has no channel gap recovery, so
    // a reconnect means updates were lost: the handler catches up by an incremental sync
    const onState = guard<UpdateConnectionState>('connection', (u) => {
      if (u.state !== UpdateConnectionState.connected || !handlers.onReconnect) return;
      this.logger.info('Telegram connection back: catching up');
      safe('reconnect', () => handlers.onReconnect!());
    });
    const newB = new NewMessage({ chats });
    const editB = new EditedMessage({ chats });
    const delB = new DeletedMessage({});
    const stateB = new Raw({ types: [UpdateConnectionState as never] });
    const client = this.client as TelegramClient;
    for (const b of [newB, editB, delB, stateB]) await this.call('resolve live filters', () => b.resolve(client));
    this.client.addEventHandler(onNew, newB);
    this.client.addEventHandler(onEdit, editB);
    this.client.addEventHandler(onDelete, delB);
    this.client.addEventHandler(onState as never, stateB);
    return async () => {
      this.client.removeEventHandler(onNew, newB);
      this.client.removeEventHandler(onEdit, editB);
      this.client.removeEventHandler(onDelete, delB);
      this.client.removeEventHandler(onState as never, stateB);
    };
  }

  async close(): Promise<void> {
    // catch: closing: a dead connection has nothing to disconnect
    await withTimeout(this.client.destroy(), 5000, 'disconnect').catch(() => undefined);
  }
}
