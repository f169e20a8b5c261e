import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { rng } from '../images/query-variants.js';
import {
  embeddingStorageKind,
  embeddingsVersion,
  findEmbeddingStorage,
  upsertEmbedding,
} from '../repos/embeddings.repo.js';
import { createEmbeddingMemoryIndex } from './embedding-memory-index.js';

const D = 12;
const MODEL = 'test:model';

describe('in-memory CLIP index over the core-types table', () => {
  let db: Db;
  const r = rng(11);
  const vec = () => Float32Array.from({ length: D }, () => r() * 2 - 1);

  async function newArtworks(n: number): Promise<string[]> {
    const res = await db.query<{ id: string }>(
      `WITH c AS (INSERT INTO characters (name) SELECT 'C' || g FROM generate_series(1, $1) g RETURNING id)
       INSERT INTO artworks (character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime)
       SELECT c.id, 'f/' || c.id, 't/' || c.id, md5(random()::text || c.id), B'0'::bit(64), 1, 1, 1, 'image/png' FROM c
       RETURNING id::text AS id`,
      [n],
    );
    return res.rows.map((row) => row.id);
  }

  /** What a fresh process would load: the reference for the incrementally kept index. */
  async function freshView(limit = 10_000) {
    const fresh = createEmbeddingMemoryIndex({ db, model: MODEL, dims: D, pageSize: 7 });
    return fresh.nearest(
      Float32Array.from({ length: D }, (_, i) => (i === 0 ? 1 : 0)),
      limit,
    );
  }

  beforeAll(async () => {
    db = await createTestDb();
    if ((await embeddingStorageKind(db)) === 'pgvector') {
      // CI's PostgreSQL has pgvector: rebuild the schema as a server without it would have, then install
      // pgvector afterwards — the real[] table must stay in use
      // down to just before the pgvector table's migration, however many came after it
      const ran = await db.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY run_on DESC, id DESC');
      const back = ran.rows.findIndex((r) => r.name === '1767000300000_clip-embeddings') + 1;
      await migrate(db, testLogger, 'down', back);
      await db.query('DROP EXTENSION vector');
      await migrate(db, testLogger, 'up');
      await db.query('CREATE EXTENSION vector');
    }
  });
  afterAll(async () => db?.close());

  test('the migrated table is real[] and is reported as in-memory storage, pgvector installed or not', async () => {
    expect(await embeddingStorageKind(db)).toBe('memory');
    expect(await findEmbeddingStorage(db, D)).toEqual({ ok: true, kind: 'memory', indexed: false });
    const cols = await db.query(
      `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'artwork_embeddings'::regclass AND attname = 'embedding'`,
    );
    expect(cols.rows[0].t).toBe('real[]');
  });

  test('the table refuses a vector whose size is not dims', async () => {
    const [id] = await newArtworks(1);
    await expect(
      db.query(`INSERT INTO artwork_embeddings (artwork_id, model, dims, embedding) VALUES ($1, 'm', 3, '{1,2}')`, [
        id,
      ]),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      db.query(`INSERT INTO artwork_embeddings (artwork_id, model, dims, embedding) VALUES ($1, 'm', 2, '{1,NULL}')`, [
        id,
      ]),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await upsertEmbedding(db, '999999999', MODEL, vec())).toBe(false); // no such artwork: nothing stored
  });

  test('kept current from other writers: inserts, updates, deletes, model switches, many at once', async () => {
    const index = createEmbeddingMemoryIndex({ db, model: MODEL, dims: D, pageSize: 5 });
    const ids = await newArtworks(40);
    const stored = new Map<string, Float32Array>();
    for (const id of ids.slice(0, 10)) {
      stored.set(id, vec());
      await upsertEmbedding(db, id, MODEL, stored.get(id)!);
    }
    const first = ids[0]!;
    expect((await index.nearest(stored.get(first)!, 1))[0]).toMatchObject({ id: first });
    expect(index.size).toBe(10);

    // concurrent writers on separate connections (the pool), then every kind of change
    await Promise.all(
      ids.slice(10).map((id) => {
        stored.set(id, vec());
        return upsertEmbedding(db, id, MODEL, stored.get(id)!);
      }),
    );
    const moved = vec();
    await upsertEmbedding(db, first, MODEL, moved); // update
    await db.query('DELETE FROM characters WHERE id = (SELECT character_id FROM artworks WHERE id = $1)', [ids[1]]); // cascade
    await upsertEmbedding(db, ids[2]!, 'other:model', vec()); // switched model
    await upsertEmbedding(
      db,
      ids[3]!,
      MODEL,
      Float32Array.from({ length: D + 1 }, () => 1),
    ); // switched size

    const hits = await index.nearest(moved, 100);
    expect(hits[0]).toMatchObject({ id: first });
    expect(hits[0]!.similarity).toBeGreaterThan(0.9999);
    expect(index.size).toBe(37);
    expect(hits.length).toBe(37);
    const seen = new Set(hits.map((h) => h.id));
    for (const gone of ids.slice(1, 4)) expect(seen.has(gone)).toBe(false);
    // identical to what a fresh load reads
    const probe = Float32Array.from({ length: D }, (_, i) => (i === 0 ? 1 : 0));
    expect(await index.nearest(probe, 100)).toEqual(await freshView());
  });

  test('a write not yet committed is picked up once it commits', async () => {
    const index = createEmbeddingMemoryIndex({ db, model: MODEL, dims: D });
    await index.refresh();
    const before = await embeddingsVersion(db);
    const [id] = await newArtworks(1);
    const v = vec();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await upsertEmbedding(client, id!, MODEL, v);
      await index.refresh(); // the stamp is not visible yet
      expect((await index.nearest(v, 1))[0]?.id).not.toBe(id);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(BigInt(await embeddingsVersion(db))).toBeGreaterThan(BigInt(before));
    expect((await index.nearest(v, 1))[0]).toMatchObject({ id });
  });

  test('nothing changed: a refresh reads only the version row', async () => {
    const index = createEmbeddingMemoryIndex({ db, model: MODEL, dims: D });
    await index.refresh();
    const queries: string[] = [];
    const spy = {
      ...db,
      query: (text: string, params?: unknown[]) => (queries.push(text), db.query(text, params)),
    } as Db;
    const watched = createEmbeddingMemoryIndex({ db: spy, model: MODEL, dims: D });
    await watched.refresh();
    queries.length = 0;
    await Promise.all([watched.refresh(), watched.refresh()]);
    expect(queries.length).toBe(2);
    expect(queries.every((q) => /FROM artwork_embedding_version/.test(q))).toBe(true);
  });
});
