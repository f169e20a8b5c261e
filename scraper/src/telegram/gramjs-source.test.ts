import { describe, expect, it } from 'vitest';
import { Api, errors, helpers } from 'telegram';
import { createLogger } from '@waifudex/core/logger';
import { GramjsSource } from './gramjs-source.js';
import { FloodWaitSignal, SessionExpiredError } from './source.js';
import { renderLine } from '../progress/progress.js';
import { emptyCounts } from '@waifudex/core/repos/sync-runs.repo';

const big = helpers.returnBigInt;
const peer = new Api.PeerChannel({ channelId: big('1234') });
const channel = { peerId: '1234', accessHash: '999', title: 'T', username: 't' };
const req = new Api.help.GetConfig();

function photoMessage(id: number, text = '') {
  return new Api.Message({
    id,
    peerId: peer,
    date: 1_700_000_000 + id,
    message: text,
    media: new Api.MessageMediaPhoto({
      photo: new Api.Photo({
        id: big(String(1000 + id)),
        accessHash: big('1'),
        fileReference: Buffer.from([id]),
        date: 1,
        dcId: 2,
        sizes: [
          new Api.PhotoSize({ type: 'x', w: 800, h: 800, size: 100 }),
          new Api.PhotoSizeProgressive({ type: 'y', w: 1280, h: 1280, sizes: [10, 200] }),
        ],
      }),
    }),
  });
}

/** Just the TelegramClient methods GramjsSource calls, recording their arguments. */
function stubClient(opts: { history: Api.Message[]; failDownloadOnce?: Error; failGetMessages?: Error }) {
  const calls: { method: string; args: unknown[] }[] = [];
  let downloadFailed = false;
  const client = {
    async getMessages(entity: unknown, params: any) {
      calls.push({ method: 'getMessages', args: [entity, params] });
      if (opts.failGetMessages) throw opts.failGetMessages;
      if (params.ids) return params.ids.map((id: number) => opts.history.find((m) => m.id === id));
      if (params.reverse) return opts.history.filter((m) => m.id > params.minId).slice(0, params.limit);
      return [...opts.history].reverse().slice(0, params.limit);
    },
    async downloadMedia(msg: Api.Message, params: any) {
      calls.push({ method: 'downloadMedia', args: [msg, params] });
      if (opts.failDownloadOnce && !downloadFailed) {
        downloadFailed = true;
        throw opts.failDownloadOnce;
      }
      return Buffer.from(`bytes of ${msg.id}`);
    },
    async destroy() {},
  };
  return { client, calls };
}

describe('GramjsSource over a stubbed client', () => {
  it('fetches oldest-first after minId through an InputPeerChannel built from the remembered id and hash', async () => {
    const { client, calls } = stubClient({ history: [photoMessage(1), photoMessage(2, 'cap'), photoMessage(3)] });
    const src = new GramjsSource(client as any, createLogger('silent'));
    const batch = await src.fetchBatch(channel, { minId: 1, limit: 100 });
    expect(batch.map((m) => m.id)).toEqual([2, 3]);
    expect(batch[0]).toMatchObject({ text: 'cap', media: { kind: 'photo', sizeType: 'y' } });
    const [entity, params] = calls[0]!.args as [Api.InputPeerChannel, any];
    expect(entity).toBeInstanceOf(Api.InputPeerChannel);
    expect(entity.channelId.toString()).toBe('1234');
    expect(entity.accessHash.toString()).toBe('999');
    expect(params).toEqual({ minId: 1, limit: 100, reverse: true });
    expect(await src.latestMessageId(channel)).toBe(3);
  });

  it('downloads the largest size by type and refetches an expired file reference', async () => {
    const { client, calls } = stubClient({
      history: [photoMessage(1), photoMessage(2)],
      failDownloadOnce: new errors.RPCError('FILE_REFERENCE_EXPIRED', req, 400),
    });
    const src = new GramjsSource(client as any, createLogger('silent'));
    const [m] = await src.fetchBatch(channel, { minId: 0, limit: 1 });
    const bytes = await src.download(channel, m!);
    expect(bytes.toString()).toBe('bytes of 1');
    const downloads = calls.filter((c) => c.method === 'downloadMedia');
    expect(downloads).toHaveLength(2);
    expect(downloads[0]!.args[1]).toEqual({ thumb: 'y' });
    expect(calls.some((c) => c.method === 'getMessages' && (c.args[1] as any).ids?.[0] === 1)).toBe(true); // the refetch
  });

  it('returns null for deleted messages and translates errors', async () => {
    const { client } = stubClient({ history: [photoMessage(1), photoMessage(3)] });
    const src = new GramjsSource(client as any, createLogger('silent'));
    const got = await src.getMessages(channel, [1, 2, 3]);
    expect(got.map((m) => m?.id ?? null)).toEqual([1, null, 3]);
    const flood = new GramjsSource(
      stubClient({ history: [], failGetMessages: new errors.FloodWaitError({ request: req, capture: 30 }) })
        .client as any,
      createLogger('silent'),
    );
    await expect(flood.fetchBatch(channel, { minId: 0, limit: 10 })).rejects.toBeInstanceOf(FloodWaitSignal);
    const revoked = new GramjsSource(
      stubClient({ history: [], failGetMessages: new errors.RPCError('SESSION_REVOKED', req, 401) }).client as any,
      createLogger('silent'),
    );
    await expect(revoked.getMessages(channel, [1])).rejects.toBeInstanceOf(SessionExpiredError);
  });
});

describe('progress line', () => {
  it('shows counts, rate, ETA and FloodWait', () => {
    const c = {
      ...emptyCounts(),
      scanned: 50,
      downloaded: 40,
      new: 38,
      skipped: { video: 2 },
      remaining: 150,
      waitingUntil: '2026-01-01T10:00:30.000Z',
    };
    const line = renderLine('@chan', c, 10);
    expect(line).toContain('50/200');
    expect(line).toContain('5.0 msg/s');
    expect(line).toContain('ETA 30s');
    expect(line).toContain('skipped 2');
    expect(line).toContain('FloodWait until 10:00:30');
  });
});
