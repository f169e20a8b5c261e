import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from './database.js';
import { migrate } from './migrate.js';
import { createLogger } from '../logger.js';
import { useThrowawayClusters } from '../testing/throwaway-clusters.js';
import { createTestDb, testEngine } from '../testing/test-db.js';
import { clusterPaths, livePostmaster } from './embedded-cluster.js';

// Its clusters only ever stop cleanly: no need to wait for the disk.
useThrowawayClusters();
const logger = createLogger('silent');

describe(`migrations on ${testEngine}`, () => {
  let db: Db;
  afterAll(async () => db?.close());

  it('runs every migration up, down to empty and up again', async () => {
    db = await createTestDb(); // migrated; go down to empty first
    const all = await migrate(db, logger, 'down', Infinity);
    const up = await migrate(db, logger);
    expect(up).toEqual([...all].reverse());
    expect(up.length).toBeGreaterThan(0);
    const tables = await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows.map((r) => r.t)).toEqual(
      expect.arrayContaining(['channels', 'characters', 'artworks', 'admins', 'sessions', 'sync_runs']),
    );
    const down = await migrate(db, logger, 'down', Infinity);
    expect(down.length).toBe(up.length);
    const left = await db.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'characters'");
    expect(left.rowCount).toBe(0);
    expect(await migrate(db, logger)).toEqual(up);
  });

  it('has pg_trgm and a working bit(64) hamming distance', async () => {
    const r = await db.query<{ sim: number; d: number }>(
      "SELECT similarity('nico robin', 'robin') AS sim, length(replace((B'1010'::bit(4) # B'0110'::bit(4))::text, '0', '')) AS d",
    );
    expect(r.rows[0]!.sim).toBeGreaterThan(0.3);
    expect(r.rows[0]!.d).toBe(2);
  });
});

describe('embedded data folder', () => {
  it('lets a second client share the folder and keeps data across a stop and a new start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-db-'));
    const owner = await openDatabase({ dataDir: dir, logger });
    await owner.query('CREATE TABLE t (v int)');
    const client = await openDatabase({ dataDir: dir, logger });
    await client.query('INSERT INTO t VALUES (1), (2)');
    // interleaved transactions from two connections stay isolated
    await Promise.all([
      owner.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (3)');
        await tx.query('INSERT INTO t VALUES (4)');
      }),
      client
        .transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (5)');
          throw new Error('rollback');
        })
        .catch(() => undefined),
    ]);
    expect((await owner.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(4);
    await client.close();
    await owner.close();
    const again = await openDatabase({ dataDir: dir, logger });
    expect((await again.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(4);
    await again.close();
    expect(livePostmaster(clusterPaths(dir))).toBeNull(); // the last one out stopped the server
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails fast with the host and without the password when PostgreSQL is unreachable', async () => {
    await expect(
      openDatabase({ databaseUrl: 'postgres://u:s3cret@127.0.0.1:1/x', dataDir: '', logger }),
    ).rejects.toThrow(/127\.0\.0\.1:1\/x/);
    await expect(
      openDatabase({ databaseUrl: 'postgres://u:s3cret@127.0.0.1:1/x', dataDir: '', logger }),
    ).rejects.not.toThrow(/s3cret/);
  });
});
