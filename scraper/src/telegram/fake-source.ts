/**
 * In-memory MessageSource for tests (and offline demos): batches, albums, documents, skipped media,
 * injected FloodWaits / network failures / crashes, caption edits, deletions and live events.
 */
import {
  FloodWaitSignal,
  TransientSourceError,
  type IncomingMedia,
  type IncomingMessage,
  type LiveHandlers,
  type MessageSource,
  type ResolvedChannel,
  type CaptionEntity,
} from './source.js';

export interface FakeMessage {
  id: number;
  date?: Date;
  text?: string;
  entities?: CaptionEntity[];
  groupedId?: string | null;
  media: IncomingMedia;
  /** Image bytes for photo / image_document media. */
  bytes?: Buffer;
}

export type FakeOp = 'resolve' | 'fetch' | 'download' | 'getMessages' | 'latest';

export interface FakeFailure {
  op: FakeOp;
  /** Only for this message (download) — any when unset. */
  messageId?: number;
  /** How many times it fails before the call succeeds (Infinity: always). */
  times: number;
  error: () => Error;
}

export class FakeSource implements MessageSource {
  readonly channel: ResolvedChannel;
  private messages = new Map<number, FakeMessage & { editDate?: Date }>();
  private failures: FakeFailure[] = [];
  private handlers: LiveHandlers[] = [];
  readonly calls: { op: FakeOp; arg?: unknown }[] = [];

  constructor(channel: Partial<ResolvedChannel> = {}, messages: FakeMessage[] = []) {
    this.channel = { peerId: '1001', accessHash: '42', title: 'Fake channel', username: 'fakechan', ...channel };
    for (const m of messages) this.add(m);
  }

  add(m: FakeMessage): this {
    this.messages.set(m.id, { ...m });
    return this;
  }

  /** Edits a caption (as a channel admin / catcher bot would). */
  edit(id: number, text: string, entities: CaptionEntity[] = []): void {
    const m = this.messages.get(id);
    if (!m) throw new Error(`no message ${id}`);
    m.text = text;
    m.entities = entities;
    m.editDate = new Date();
  }

  delete(id: number): void {
    this.messages.delete(id);
  }

  fail(f: FakeFailure): this {
    this.failures.push({ ...f });
    return this;
  }
  floodWait(op: FakeOp, seconds: number, times = 1, messageId?: number): this {
    return this.fail({
      op,
      times,
      error: () => new FloodWaitSignal(seconds),
      ...(messageId != null ? { messageId } : {}),
    });
  }
  networkError(op: FakeOp, times = 1, messageId?: number): this {
    return this.fail({
      op,
      times,
      error: () => new TransientSourceError('network error: ECONNRESET'),
      ...(messageId != null ? { messageId } : {}),
    });
  }

  private maybeFail(op: FakeOp, messageId?: number): void {
    this.calls.push({ op, arg: messageId });
    const f = this.failures.find(
      (x) => x.op === op && x.times > 0 && (x.messageId === undefined || x.messageId === messageId),
    );
    if (!f) return;
    f.times--;
    throw f.error();
  }

  private toIncoming(m: FakeMessage & { editDate?: Date }): IncomingMessage {
    return {
      id: m.id,
      date: m.date ?? new Date(Date.UTC(2025, 0, 1) + m.id * 60_000),
      editDate: m.editDate ?? null,
      groupedId: m.groupedId ?? null,
      text: m.text ?? '',
      entities: m.entities ?? [],
      media: m.media,
    };
  }

  async resolveChannel(ref: string): Promise<ResolvedChannel> {
    this.maybeFail('resolve', Number.NaN);
    this.calls[this.calls.length - 1]!.arg = ref;
    return { ...this.channel };
  }

  async fetchBatch(_c: ResolvedChannel, opts: { minId: number; limit: number }): Promise<IncomingMessage[]> {
    this.maybeFail('fetch', opts.minId);
    return [...this.messages.values()]
      .filter((m) => m.id > opts.minId)
      .sort((a, b) => a.id - b.id)
      .slice(0, opts.limit)
      .map((m) => this.toIncoming(m));
  }

  async latestMessageId(): Promise<number | null> {
    this.maybeFail('latest');
    const ids = [...this.messages.keys()];
    return ids.length ? Math.max(...ids) : null;
  }

  async download(_c: ResolvedChannel, message: IncomingMessage): Promise<Buffer> {
    this.maybeFail('download', message.id);
    const m = this.messages.get(message.id);
    if (!m?.bytes) throw new Error(`message ${message.id} has no bytes`);
    return m.bytes;
  }

  async getMessages(_c: ResolvedChannel, ids: number[]): Promise<(IncomingMessage | null)[]> {
    this.maybeFail('getMessages');
    return ids.map((id) => {
      const m = this.messages.get(id);
      return m ? this.toIncoming(m) : null;
    });
  }

  async subscribe(_channels: ResolvedChannel[], handlers: LiveHandlers): Promise<() => Promise<void>> {
    this.handlers.push(handlers);
    return async () => {
      this.handlers = this.handlers.filter((h) => h !== handlers);
    };
  }

  /** Live events, as GramJS would deliver them. */
  async emitNew(m: FakeMessage): Promise<void> {
    this.add(m);
    for (const h of this.handlers) await h.onNew(this.channel.peerId, this.toIncoming(this.messages.get(m.id)!));
  }
  async emitEdit(id: number, text: string): Promise<void> {
    this.edit(id, text);
    for (const h of this.handlers) await h.onEdit(this.channel.peerId, this.toIncoming(this.messages.get(id)!));
  }
  async emitDelete(ids: number[]): Promise<void> {
    for (const id of ids) this.delete(id);
    for (const h of this.handlers) await h.onDelete(this.channel.peerId, ids);
  }
}

/** Convenience media constructors. */
export const photo = (id: number | string): IncomingMedia => ({
  kind: 'photo',
  photoId: String(id),
  sizeType: 'y',
  width: 800,
  height: 600,
  bytes: null,
});
export const imageDocument = (id: number | string, mime = 'image/png', fileName = 'art.png'): IncomingMedia => ({
  kind: 'image_document',
  documentId: String(id),
  mime,
  fileName,
  bytes: null,
});
export const skipped = (reason: Extract<IncomingMedia, { kind: 'skip' }>['reason']): IncomingMedia => ({
  kind: 'skip',
  reason,
});
