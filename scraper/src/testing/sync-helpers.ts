/** Shared pieces of the sync tests: a catcher-bot caption, run settings, their hooks, and helpers bound to a test env. */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { FakeSource } from '../telegram/fake-source.js';
import { resolveTargets, type ChannelTarget } from '../sync/telegram-sync.js';
import { createTestEnv, resetTestEnv, type TestEnv } from './test-env.js';

/** A shekhar-style catcher-bot caption. */
export const cap = (name: string, anime: string, id: string, rarity = 'Legendary') =>
  `Character Name: ${name}\nAnime Name: ${anime}\nRarity: 🟡 ${rarity}\nID: ${id}\nAdded by Riya`;

export const settings = { batchSize: 5, concurrency: 3, recheckDays: 3650, publishIntervalMs: 0 };

/** Helpers over the env that `getEnv()` returns when called (tests re-create it in before hooks). */
export function syncHelpers(getEnv: () => TestEnv) {
  return {
    async target(source: FakeSource, ref = '@fakechan'): Promise<ChannelTarget> {
      const env = getEnv();
      const { targets } = await resolveTargets({ db: env.db, source, logger: env.logger, sleep: env.sleep }, [ref]);
      expect(targets).toHaveLength(1);
      return targets[0]!;
    },
    deps(source: FakeSource) {
      const env = getEnv();
      return { db: env.db, ingest: env.ingest, apply: env.apply, logger: env.logger, sleep: env.sleep, source };
    },
    async q<T = any>(sql: string, p: unknown[] = []): Promise<T[]> {
      return (await getEnv().db.query(sql, p)).rows as T[];
    },
  };
}

/**
 * The hooks of a sync test file: one test env for the file (handed to `set`, so that the file keeps a
 * plain `env` variable), emptied before each test and closed after the last; returns the helpers over it.
 */
export function useSyncTestEnv(set: (env: TestEnv) => void) {
  let env: TestEnv | undefined;
  beforeAll(async () => {
    env = await createTestEnv();
    set(env);
  });
  beforeEach(async () => {
    await resetTestEnv(env!);
  });
  afterAll(async () => {
    await env?.close();
  });
  return syncHelpers(() => env!);
}
