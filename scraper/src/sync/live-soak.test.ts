/**
 * LIVE=1 for a simulated hour: one update a second through GramJS's own update dispatch into the
 * worker (new posts, caption edits, deletions, other chats, empty messages, connection drops), with
 * handlers that sometimes fail. The worker must never crash or reject unhandled, and must end with
 * every post stored and every edit and deletion applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, helpers } from 'telegram';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { FakeTelegramClient } from '../testing/fake-telegram-client.js';
import { GramjsSource, type GramClient } from '../telegram/gramjs-source.js';
import { createTestEnv, type TestEnv } from '../testing/test-env.js';
import { testPng } from '../testing/test-png.js';
import { createSyncWorker } from './worker.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

const big = helpers.returnBigInt;
const CHANNEL = '1001';
const peer = (id: string) => new Api.PeerChannel({ channelId: big(id) });
const caption = (id: number, v = 0) => `Character Name: Char ${id}${v ? ` v${v}` : ''}\nAnime Name: Soak\nID: ${id}`;
function photoPost(id: number, text: string, channel = CHANNEL) {
  return new Api.Message({
    id,
    peerId: peer(channel),
    date: 1_700_000_000 + id,
    message: text,
    media: new Api.MessageMediaPhoto({
      photo: new Api.Photo({
        id: big(String(5000 + id)),
        accessHash: big('1'),
        fileReference: Buffer.from([1]),
        date: 1,
        dcId: 2,
        sizes: [new Api.PhotoSize({ type: 'x', w: 64, h: 64, size: 100 })],
      }),
    }),
  });
}

const rejections: unknown[] = [];
process.on('unhandledRejection', (e) => rejections.push(e));

describe('live mode soak', () => {
  it('survives an hour of simulated updates', async () => {
    const fake = new FakeTelegramClient({
      channels: [
        new Api.Channel({
          id: big(CHANNEL),
          accessHash: big('42'),
          title: 'Fake channel',
          username: 'fakechan',
          photo: new Api.ChatPhotoEmpty(),
          date: 1,
          broadcast: true,
        }),
      ],
      messages: [photoPost(1, caption(1))],
      bytes: (id) => testPng(id),
    });
    let connects = 0;
    const worker = createSyncWorker(
      {
        db: env.db,
        ingest: env.ingest,
        apply: env.apply,
        logger: env.logger,
        sleep: env.sleep,
        connect: async () => {
          connects++;
          return GramjsSource.connect({ apiId: 1, apiHash: 'x', session: '' }, env.logger, {
            timeoutMs: 2000,
            makeClient: () => fake as unknown as GramClient,
          });
        },
      },
      {
        cron: null,
        live: true,
        channels: ['@fakechan'],
        batchSize: 50,
        concurrency: 2,
        recheckDays: 0,
        pollMs: 1000,
        syncOnStart: true,
        liveDebounceMs: 5,
      },
    );
    await worker.start();
    await worker.idle();
    expect(fake._eventBuilders.length).toBeGreaterThan(0); // subscribed

    let nextId = 2;
    const posted: number[] = [1];
    const edited = new Map<number, number>();
    const deleted = new Set<number>();
    for (let second = 0; second < 3600; second++) {
      const kind = second % 36;
      if (kind === 0) {
        const m = photoPost(nextId, caption(nextId));
        fake.post(m);
        fake.emit(new Api.UpdateNewChannelMessage({ message: m, pts: second, ptsCount: 1 }));
        posted.push(nextId++);
      } else if (kind === 7 && posted.length > 3) {
        const id = posted[((second / 36) % posted.length) | 0]!;
        if (!deleted.has(id)) {
          const v = (edited.get(id) ?? 0) + 1;
          edited.set(id, v);
          const m = photoPost(id, caption(id, v));
          fake.post(m);
          fake.emit(new Api.UpdateEditChannelMessage({ message: m, pts: second, ptsCount: 1 }));
        }
      } else if (kind === 13 && posted.length > 10 && deleted.size < 10) {
        const id = posted.find((p) => p > 1 && !edited.has(p) && !deleted.has(p) && p % 3 === 0);
        if (id) {
          deleted.add(id);
          fake.remove(id);
          fake.emit(
            new Api.UpdateDeleteChannelMessages({ channelId: big(CHANNEL), messages: [id], pts: second, ptsCount: 1 }),
          );
        }
      } else if (kind === 19) {
        fake.emit(
          new Api.UpdateNewChannelMessage({
            message: photoPost(900_000 + second, 'elsewhere', '777'),
            pts: second,
            ptsCount: 1,
          }),
        );
      } else if (kind === 23) {
        fake.emit(
          new Api.UpdateNewChannelMessage({
            message: new Api.MessageEmpty({ id: 1, peerId: peer(CHANNEL) }),
            pts: second,
            ptsCount: 1,
          }),
        );
      } else if (kind === 29 && second % 360 === 29) {
        fake.emit(new UpdateConnectionState(UpdateConnectionState.disconnected));
        fake.emit(new UpdateConnectionState(UpdateConnectionState.connected));
      } else {
        fake.emit(
          new Api.UpdateNewChannelMessage({
            message: photoPost(800_000 + second, 'other chat', '888'),
            pts: second,
            ptsCount: 1,
          }),
        );
      }
      if (second % 36 === 35) await new Promise((r) => setTimeout(r, 15)); // let debounced syncs run
    }
    await new Promise((r) => setTimeout(r, 100));
    await worker.idle();
    await new Promise((r) => setTimeout(r, 100));
    await worker.idle();

    expect(rejections).toEqual([]);
    expect(connects).toBe(1);
    const rows = (
      await env.db.query(
        `SELECT a.message_id::int AS m, c.name, a.hidden FROM artworks a JOIN characters c ON c.id = a.character_id ORDER BY a.message_id`,
      )
    ).rows;
    // a post deleted before its debounced sync ran is never stored (Telegram no longer returns it)
    expect(rows.map((r) => r.m).filter((m) => !deleted.has(m))).toEqual(posted.filter((m) => !deleted.has(m)));
    for (const r of rows) {
      const v = edited.get(r.m);
      if (v) expect(r.name).toBe(`Char ${r.m} v${v}`);
      expect(r.hidden).toBe(deleted.has(r.m));
    }
    expect(deleted.size).toBeGreaterThan(5);
    expect(edited.size).toBeGreaterThan(10);
    await worker.stop();
  }, 120_000);
});
