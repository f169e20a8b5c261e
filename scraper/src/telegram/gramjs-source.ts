/**
 * MessageSource over GramJS (a Telegram *user* session). Every call goes through `call()`, which turns
 * GramJS errors into the source errors (FloodWait is never slept here: floodSleepThreshold is 0 so the
 * sync sleeps exactly the asked seconds itself, logs it and shows it in progress).
 */
import { Api, TelegramClient, errors, helpers } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import { EditedMessage, type EditedMessageEvent } from 'telegram/events/EditedMessage.js';
import { DeletedMessage, type DeletedMessageEvent } from 'telegram/events/DeletedMessage.js';
import type { Logger } from '@waifudex/core/logger';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import { isDeleted, mapMessage, translateError } from './message-mapper.js';
import { parseProxy } from './proxy.js';
import {
  ChannelUnavailableError,
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
    connectionRetries: 5,
    retryDelay: 2000,
    autoReconnect: true,
    floodSleepThreshold: 0,
    deviceModel: 'Waifudex',
    appVersion: '0.1',
    ...(proxy ? { proxy } : {}),
  });
  client.setLogLevel('error' as any);
  return client;
}

/** The session string to store after a login (never log it). */
export function saveSession(client: TelegramClient): string {
  return (client.session as StringSession).save();
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateError(err);
  }
}

function isFileReferenceError(err: unknown): boolean {
  return err instanceof errors.RPCError && /^FILE_REFERENCE_(EXPIRED|INVALID)/.test(err.errorMessage);
}

export function channelToResolved(ch: Api.Channel): ResolvedChannel {
  return { peerId: ch.id.toString(), accessHash: ch.accessHash ? ch.accessHash.toString() : null, title: ch.title, username: ch.username ?? null };
}

function inputPeer(c: ResolvedChannel): Api.InputPeerChannel {
  return new Api.InputPeerChannel({ channelId: helpers.returnBigInt(c.peerId), accessHash: helpers.returnBigInt(c.accessHash ?? '0') });
}

/** GramJS MessageSource over a connected, authorised client. */
export class GramjsSource implements MessageSource {
  /** Raw messages of the latest batch / lookups, so download() does not refetch them. */
  private raw = new Map<string, Api.Message>();

  constructor(
    private readonly client: TelegramClient,
    private readonly logger: Logger,
  ) {}

  /** Connects and checks the session is authorised (SessionExpiredError otherwise). */
  static async connect(opts: TelegramClientOptions, logger: Logger): Promise<GramjsSource> {
    const client = createTelegramClient(opts);
    await call(() => client.connect());
    const ok = await call(() => client.checkAuthorization());
    if (!ok) {
      await client.destroy().catch(() => undefined);
      throw translateError(new errors.RPCError('AUTH_KEY_UNREGISTERED', new Api.help.GetConfig(), 401));
    }
    return new GramjsSource(client, logger);
  }

  async resolveChannel(ref: string): Promise<ResolvedChannel> {
    const parsed = parseChannelRef(ref);
    if (parsed.kind === 'username') {
      const r = await call(() => this.client.invoke(new Api.contacts.ResolveUsername({ username: parsed.username })));
      const ch = r.chats.find((c): c is Api.Channel => c instanceof Api.Channel);
      if (!ch) throw new ChannelUnavailableError(`@${parsed.username} is not a channel`);
      return channelToResolved(ch);
    }
    if (parsed.kind === 'invite') {
      const r = await call(() => this.client.invoke(new Api.messages.CheckChatInvite({ hash: parsed.hash })));
      if (r instanceof Api.ChatInviteAlready && r.chat instanceof Api.Channel) return channelToResolved(r.chat);
      throw new ChannelUnavailableError(`the logged-in account is not a member of the channel behind ${ref}: join it in Telegram first`);
    }
    // numeric id: only resolvable through the account's dialogs (the account must be a member anyway)
    for await (const d of this.client.iterDialogs({})) {
      const e = d.entity;
      if (e instanceof Api.Channel && e.id.toString() === parsed.peerId) return channelToResolved(e);
    }
    throw new ChannelUnavailableError(`channel ${ref} is not among the logged-in account's chats: join it first`);
  }

  async fetchBatch(channel: ResolvedChannel, opts: { minId: number; limit: number }): Promise<IncomingMessage[]> {
    const list = await call(() => this.client.getMessages(inputPeer(channel), { minId: opts.minId, limit: opts.limit, reverse: true }));
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
    const list = await call(() => this.client.getMessages(inputPeer(channel), { limit: 1 }));
    return list[0]?.id ?? null;
  }

  private async fetchRaw(channel: ResolvedChannel, ids: number[]): Promise<Map<number, Api.Message>> {
    const out = new Map<number, Api.Message>();
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const list = await call(() => this.client.getMessages(inputPeer(channel), { ids: chunk }));
      for (const m of list) {
        if (isDeleted(m) || !(m instanceof Api.Message)) continue;
        out.set(m.id, m);
      }
    }
    return out;
  }

  async download(channel: ResolvedChannel, message: IncomingMessage): Promise<Buffer> {
    const key = `${channel.peerId}:${message.id}`;
    let raw = this.raw.get(key) ?? (await this.fetchRaw(channel, [message.id])).get(message.id);
    if (!raw) throw new Error(`message ${message.id} is gone`);
    const thumb = message.media.kind === 'photo' && message.media.sizeType ? message.media.sizeType : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        // thumb by type letter: GramJS matches strings against every size kind (PhotoSizeProgressive
        // included, which an instance would not match), and never picks a video size of the photo
        const r = await this.client.downloadMedia(raw, thumb ? { thumb: thumb as unknown as number } : {});
        if (!r || typeof r === 'string' || r.length === 0) throw new Error(`message ${message.id}: empty download`);
        this.raw.delete(key);
        return r;
      } catch (err) {
        if (isFileReferenceError(err) && attempt === 0) {
          // file references expire after a while: refetch the message for a fresh one
          this.logger.debug({ message: message.id }, 'file reference expired; refetching the message');
          const fresh = (await this.fetchRaw(channel, [message.id])).get(message.id);
          if (!fresh) throw new Error(`message ${message.id} is gone`);
          raw = fresh;
          continue;
        }
        throw translateError(err);
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

  async subscribe(channels: ResolvedChannel[], handlers: LiveHandlers): Promise<() => Promise<void>> {
    const ids = new Set(channels.map((c) => c.peerId));
    const chats = channels.map((c) => inputPeer(c));
    const peerOf = (m: Api.Message) => (m.peerId instanceof Api.PeerChannel ? m.peerId.channelId.toString() : null);
    const safe = (what: string, fn: () => void | Promise<void>) => {
      Promise.resolve()
        .then(fn)
        .catch((err) => this.logger.warn({ err: (err as Error).message }, `live ${what} handler failed`));
    };
    const onNew = (e: NewMessageEvent) => {
      const peer = peerOf(e.message);
      if (!peer || !ids.has(peer)) return;
      this.raw.set(`${peer}:${e.message.id}`, e.message);
      safe('new', () => handlers.onNew(peer, mapMessage(e.message)));
    };
    const onEdit = (e: EditedMessageEvent) => {
      const peer = peerOf(e.message);
      if (!peer || !ids.has(peer)) return;
      safe('edit', () => handlers.onEdit(peer, mapMessage(e.message)));
    };
    const onDelete = (e: DeletedMessageEvent) => {
      const peer = e.peer instanceof Api.PeerChannel ? e.peer.channelId.toString() : null;
      if (peer && !ids.has(peer)) return;
      safe('delete', () => handlers.onDelete(peer, e.deletedIds));
    };
    const newB = new NewMessage({ chats });
    const editB = new EditedMessage({ chats });
    const delB = new DeletedMessage({});
    this.client.addEventHandler(onNew, newB);
    this.client.addEventHandler(onEdit, editB);
    this.client.addEventHandler(onDelete, delB);
    return async () => {
      this.client.removeEventHandler(onNew, newB);
      this.client.removeEventHandler(onEdit, editB);
      this.client.removeEventHandler(onDelete, delB);
    };
  }

  async close(): Promise<void> {
    await this.client.destroy().catch(() => undefined);
  }
}
