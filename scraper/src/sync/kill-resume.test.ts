import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findChannelById } from '@waifudex/core/repos/channels.repo';
import { FakeSource, photo, skipped } from '../telegram/fake-source.js';
import { FatalSourceError } from '../telegram/source.js';
import { testPng } from '../testing/test-png.js';
import { cap, settings, syncHelpers } from '../testing/sync-helpers.js';
import { createTestEnv, verifyFiles, type TestEnv } from '../testing/test-env.js';
import { syncTelegramChannel } from './telegram-sync.js';

let env: TestEnv;
beforeEach(async () => {
  env = await createTestEnv();
});
afterEach(async () => {
  await env.close();
});

const { target, deps, q } = syncHelpers(() => env);

describe('kill and resume', () => {
  it('a sync killed at a random message and restarted stores every message exactly once', async () => {
    const N = 40;
    const src = new FakeSource();
    for (let i = 1; i <= N; i++) {
      const album = i >= 20 && i <= 23 ? '777' : null;
      src.add({
        id: i,
        groupedId: album,
        text: album && i !== 21 ? '' : cap(`Name ${i}`, 'Anime', album ? 'A1' : String(1000 + i)),
        media: i % 9 === 0 ? skipped('video') : photo(i),
        bytes: testPng(5000 + i),
      });
    }
    const t = await target(src);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // crash three times at random points: during a download, or right after a commit (before the resume point moved)
    for (let crash = 0; crash < 3; crash++) {
      const at = 1 + Math.floor(rnd() * N);
      const afterCommit = rnd() < 0.5;
      const d = deps(src);
      let ingest = env.ingest;
      if (afterCommit) {
        ingest = {
          ...env.ingest,
          async ingestImage(input) {
            const r = await env.ingest.ingestImage(input);
            if (input.messageId === at) throw new FatalSourceError(`simulated crash after committing ${at}`);
            return r;
          },
        };
      } else {
        src.fail({
          op: 'download',
          messageId: at,
          times: 1,
          error: () => new FatalSourceError(`simulated crash at ${at}`),
        });
      }
      await syncTelegramChannel({ ...d, ingest }, t, { ...settings, batchSize: 7 });
    }
    const final = await syncTelegramChannel(deps(src), t, { ...settings, batchSize: 7 });
    expect(final.status).toBe('ok');
    const rows = await q<{ message_id: string; n: number }>(
      'SELECT message_id, count(*)::int AS n FROM artworks GROUP BY message_id',
    );
    const expected = Array.from({ length: N }, (_, i) => i + 1).filter((i) => i % 9 !== 0);
    expect(rows.map((r) => Number(r.message_id)).sort((a, b) => a - b)).toEqual(expected);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(await verifyFiles(env)).toBe(expected.length);
    expect((await findChannelById(env.db, t.channel.id))!.lastMessageId).toBe(N);
    // the album kept one character and its caption on every image
    const album = await q(
      `SELECT DISTINCT c.name FROM artworks a JOIN characters c ON c.id = a.character_id WHERE a.grouped_id = 777`,
    );
    expect(album).toEqual([{ name: 'Name 21' }]);
  });
});
