/**
 * The CLIP embeddings schema comes from the migrations alone, on both kinds of PostgreSQL: with pgvector
 * (CI's PostgreSQL 17) a `vector` column with an HNSW index per common size; without it (the embedded
 * server) the core-types `real[]` table and no index. Finding the storage writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './database.js';
import { createTestDb } from '../testing/test-db.js';
import { embeddingStorageKind, explainNearest, findEmbeddingStorage } from '../repos/embeddings.repo.js';

const MIGRATED_SIZES = [512, 768, 1024, 1152, 1280];

describe('embeddings schema', () => {
  let db: Db;
  let hasPgvector = false;
  beforeAll(async () => {
    db = await createTestDb();
    const r = await db.query(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS ok`);
    hasPgvector = r.rows[0].ok;
  });
  afterAll(async () => {
    await db?.close();
  });

  const hnswSizes = async () =>
    (
      await db.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'artwork_embeddings' AND indexname LIKE 'artwork\\_embeddings\\_hnsw\\_%'`,
      )
    ).rows
      .map((r) => Number(r.name.replace('artwork_embeddings_hnsw_', '')))
      .sort((a, b) => a - b);

  it('the migrations made the table of this PostgreSQL and its indexes', async () => {
    const ran = await db.query(`SELECT 1 FROM pgmigrations WHERE name = '1768830000000_clip-embeddings-hnsw-sizes'`);
    expect(ran.rowCount).toBe(1);
    if (hasPgvector) {
      expect(await embeddingStorageKind(db)).toBe('pgvector');
      expect(await hnswSizes()).toEqual(MIGRATED_SIZES);
    } else {
      expect(await embeddingStorageKind(db)).toBe('memory');
      expect(await hnswSizes()).toEqual([]);
    }
  });

  it('finding the storage only reads (it works in a read-only transaction) and creates no index', async () => {
    for (const dims of [16, 512, 1024]) {
      const found = await db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION READ ONLY');
        return findEmbeddingStorage(tx, dims);
      });
      expect(found).toEqual(
        hasPgvector
          ? { ok: true, kind: 'pgvector', indexed: MIGRATED_SIZES.includes(dims) }
          : { ok: true, kind: 'memory', indexed: false },
      );
    }
    expect(await hnswSizes()).toEqual(hasPgvector ? MIGRATED_SIZES : []);
  });

  it('with pgvector, a search of each migrated size goes through its index; another size scans', async (ctx) => {
    ctx.skip(!hasPgvector, 'no pgvector on this PostgreSQL: the search runs in memory, there is no HNSW plan');
    const plan = (dims: number) =>
      db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off'); // an empty table would otherwise be scanned
        return explainNearest(
          tx,
          'm',
          Float32Array.from({ length: dims }, (_, i) => ((i % 7) + 1) / 7),
        );
      });
    for (const d of MIGRATED_SIZES) expect(await plan(d)).toMatch(new RegExp(`artwork_embeddings_hnsw_${d}\\b`));
    expect(await plan(16)).not.toMatch(/hnsw/);
  });
});
