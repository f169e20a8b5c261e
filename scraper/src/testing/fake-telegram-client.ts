/**
 * A stand-in for GramJS 2.26's TelegramClient with its exact return/throw behaviour where the real
 * network differs from a kind fake (read from telegram/client/TelegramClient.js, users.js, auth.js and
 * network/MTProtoSender.js):
 * - connect() never throws: when every attempt fails it resolves `false` (the sender exists by then).
 * - invoke() before any connect() throws "Cannot send requests while disconnected. You need to call
 *   .connect()"; after destroy() "… Please reconnect."; otherwise it first awaits the "connected"
 *   deferred, which a failed connect never resolves: the request hangs forever.
 * - checkAuthorization() is GramJS's body: GetState, and *any* error → false.
 * - A connection lost mid-session whose reconnect fails leaves every pending and new request waiting.
 * - Telegram's errors are built by GramJS's own RPCMessageToError (FloodWaitError, RPCError with code …).
 * - Updates (emit) go through GramJS's own _handleUpdate → _dispatchUpdate, with the real event builders.
 */
import { Api, errors } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { EntityCache } from 'telegram/entityCache.js';
import { Logger as GramLogger, LogLevel } from 'telegram/extensions/Logger.js';
import { _handleUpdate } from 'telegram/client/updates.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
const never = () => new Promise<never>(() => undefined);

export interface FakeTelegramOptions {
  /** connect() attempts all fail (resolves false). */
  unreachable?: boolean;
  /** Every request (after connect) never settles, as with a black-holed link. */
  hangRequests?: boolean;
  messages?: Api.Message[];
  channels?: Api.Channel[];
  /** The connection drops (reconnect failing) after this many requests were answered. */
  loseAfter?: number;
  /** Bytes downloadMedia returns for a message (default a short text). */
  bytes?: (messageId: number) => Buffer;
}

export class FakeTelegramClient {
  connectCalls = 0;
  destroyed = false;
  readonly invoked: string[] = [];
  /** RPC errors Telegram answers, by request class name (errorMessage, errorCode), used once each unless sticky. */
  private rpcErrors = new Map<string, { message: string; code: number; sticky: boolean }[]>();
  private senderCreated = false;
  private connectedDeferred = deferred();
  private lost = false;
  // what GramJS's update dispatch reads from a client
  _eventBuilders: [unknown, unknown][] = [];
  _entityCache = new EntityCache();
  session = new StringSession('');
  _log = new GramLogger(LogLevel.NONE);
  _selfInputPeer = undefined;

  constructor(private o: FakeTelegramOptions = {}) {}

  /** Telegram answers the next `className` request with this error. */
  rpcError(className: string, message: string, code = 400, sticky = false): this {
    const list = this.rpcErrors.get(className) ?? [];
    list.push({ message, code, sticky });
    this.rpcErrors.set(className, list);
    return this;
  }

  /** The connection drops and GramJS's reconnect fails: requests from now on wait forever. */
  loseConnection(): void {
    this.lost = true;
  }

  async connect(): Promise<boolean> {
    this.connectCalls++;
    this.senderCreated = true;
    if (this.o.unreachable) return false;
    this.connectedDeferred.resolve();
    return true;
  }

  async checkAuthorization(): Promise<boolean> {
    try {
      await this.invoke(new Api.updates.GetState());
      return true;
    } catch {
      return false;
    }
  }

  private async gate(className: string): Promise<void> {
    if (!this.senderCreated) throw new Error('Cannot send requests while disconnected. You need to call .connect()');
    if (this.destroyed) throw new Error('Cannot send requests while disconnected. Please reconnect.');
    await this.connectedDeferred.promise;
    this.invoked.push(className);
    if (this.o.loseAfter != null && this.invoked.length > this.o.loseAfter) this.lost = true;
    if (this.o.hangRequests || this.lost) await never();
    const list = this.rpcErrors.get(className);
    const e = list?.[0];
    if (e) {
      if (!e.sticky) list.shift();
      throw errors.RPCMessageToError(
        new Api.RpcError({ errorCode: e.code, errorMessage: e.message }),
        new Api.help.GetConfig(),
      );
    }
  }

  async invoke(req: { className: string }): Promise<unknown> {
    await this.gate(req.className);
    if (req instanceof Api.updates.GetState)
      return new Api.updates.State({ pts: 1, qts: 0, date: 1_700_000_000, seq: 1, unreadCount: 0 });
    if (req instanceof Api.contacts.ResolveUsername) {
      const ch = (this.o.channels ?? []).find(
        (c) =>
          c.username?.toLowerCase() === req.username.toLowerCase() ||
          c.usernames?.some((u) => u.username.toLowerCase() === req.username.toLowerCase()),
      );
      if (!ch)
        throw errors.RPCMessageToError(
          new Api.RpcError({ errorCode: 400, errorMessage: 'USERNAME_NOT_OCCUPIED' }),
          req as never,
        );
      return new Api.contacts.ResolvedPeer({
        peer: new Api.PeerChannel({ channelId: ch.id }),
        chats: this.o.channels ?? [],
        users: [],
      });
    }
    throw new Error(`FakeTelegramClient: no answer for ${req.className}`);
  }

  async getMessages(
    _peer: unknown,
    params: { ids?: number[]; minId?: number; limit?: number; reverse?: boolean },
  ): Promise<Api.Message[]> {
    await this.gate('messages.GetHistory');
    const all = this.o.messages ?? [];
    if (params.ids) return params.ids.map((id) => all.find((m) => m.id === id)) as Api.Message[];
    if (params.reverse) return all.filter((m) => m.id > (params.minId ?? 0)).slice(0, params.limit);
    return [...all].reverse().slice(0, params.limit);
  }

  async downloadMedia(m: Api.Message): Promise<Buffer> {
    await this.gate('upload.GetFile');
    return this.o.bytes?.(m.id) ?? Buffer.from(`bytes of ${m.id}`);
  }

  async *iterDialogs(): AsyncGenerator<{ entity: Api.Channel }> {
    for (const ch of this.o.channels ?? []) {
      await this.gate('messages.GetDialogs');
      yield { entity: ch };
    }
  }

  addEventHandler(cb: unknown, b: unknown): void {
    this._eventBuilders.push([b, cb]);
  }
  removeEventHandler(cb: unknown): void {
    this._eventBuilders = this._eventBuilders.filter(([, c]) => c !== cb);
  }
  async getMe(): Promise<never> {
    throw new Error('FakeTelegramClient: getMe is not modelled');
  }
  /** An update from Telegram, handled exactly as MTProtoSender hands it to GramJS. */
  emit(update: unknown): void {
    _handleUpdate(this as never, update as never);
  }
  /** Removes a message from the history (deleted on Telegram). */
  remove(id: number): void {
    this.o.messages = (this.o.messages ?? []).filter((m) => m.id !== id);
  }
  /** Adds a message to the channel history (a new post), or replaces it (an edit). */
  post(m: Api.Message): void {
    const list = (this.o.messages ??= []);
    const i = list.findIndex((x) => x.id === m.id);
    if (i >= 0) list[i] = m;
    else list.push(m);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}
