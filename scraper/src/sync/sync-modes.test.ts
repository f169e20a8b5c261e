import { describe, expect, it } from 'vitest';
import { tryLockChannel } from '@waifudex/core/repos/sync-runs.repo';
import { FakeSource, photo, skipped } from '../telegram/fake-source.js';
import { testPng } from '../testing/test-png.js';
import { cap, settings, useSyncTestEnv } from '../testing/sync-helpers.js';
import { type TestEnv } from '../testing/test-env.js';
import { dryRunChannel, liveHandlers, resolveTargets, syncTelegramChannel } from './telegram-sync.js';

let env: TestEnv;
const { target, deps, q } = useSyncTestEnv((e) => (env = e));

describe('sync: lock, dry run, live', () => {
  it('runs one sync per channel at a time', async () => {
    const src = new FakeSource();
    src.add({ id: 1, text: cap('A', 'B', '1'), media: photo(1), bytes: testPng(1) });
    const t = await target(src);
    const lock = await tryLockChannel(env.db, t.channel.id);
    expect(lock).not.toBeNull();
    const r = await syncTelegramChannel(deps(src), t, settings);
    expect(r.status).toBe('locked');
    await lock!.release();
    expect((await syncTelegramChannel(deps(src), t, settings)).status).toBe('ok');
  });

  it('dry run prints parsed fields as JSON lines and writes nothing', async () => {
    const src = new FakeSource();
    src.add({ id: 1, text: cap('Muzan Kibutsuji', 'Demon Slayer', '07'), media: photo(1), bytes: testPng(1) });
    src.add({ id: 2, media: skipped('sticker') });
    const { targets } = await resolveTargets({ db: env.db, source: src, logger: env.logger }, ['@fakechan'], null, {
      remember: false,
    });
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const n = await dryRunChannel({ source: src, ingest: env.ingest }, targets[0]!, { batchSize: 10 }, out);
    expect(n).toBe(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      message_id: 1,
      media: 'photo',
      parsed: { name: 'Muzan Kibutsuji', anime: 'Demon Slayer', sourceId: '07' },
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ message_id: 2, skip_reason: 'sticker' });
    for (const table of ['channels', 'characters', 'artworks', 'sync_runs']) {
      expect((await q(`SELECT count(*)::int AS n FROM ${table}`))[0].n).toBe(0);
    }
  });

  it('live handlers: new messages trigger a sync, edits and deletions apply at once', async () => {
    const src = new FakeSource();
    src.add({ id: 1, text: cap('Muzan', 'Demon Slayer', '07'), media: photo(1), bytes: testPng(1) });
    const t = await target(src);
    await syncTelegramChannel(deps(src), t, settings);
    const requested: string[] = [];
    const unsubscribe = await src.subscribe(
      [t.resolved],
      liveHandlers(deps(src), [t], (id) => requested.push(id)),
    );
    await src.emitNew({ id: 2, text: cap('Aloy', 'Genshin', '08'), media: photo(2), bytes: testPng(2) });
    expect(requested).toEqual([t.channel.id]);
    await src.emitEdit(1, cap('Muzan Kibutsuji', 'Demon Slayer', '07'));
    expect((await q(`SELECT name FROM characters WHERE source_id = '07'`))[0].name).toBe('Muzan Kibutsuji');
    await src.emitDelete([1]);
    expect((await q(`SELECT hidden FROM characters WHERE source_id = '07'`))[0].hidden).toBe(true);
    await unsubscribe();
  });
});
