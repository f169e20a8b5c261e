/**
 * CLIP embeddings (migration 1767000300000_clip-embeddings.sql). The column is an untyped `vector`;
 * every size D has a partial HNSW index on `embedding::vector(D)` WHERE dims = D, so nearest-neighbour
 * queries inline D (a validated integer) to match the index expression and predicate exactly.
 */
import type { Queryable } from '../db/database.js';

/** pgvector text form: `[0.1,0.2,…]`. */
export function toVectorLiteral(v: ArrayLike<number>): string {
  const parts: string[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw new Error('embedding has a non-finite component');
    parts[i] = String(x);
  }
  return `[${parts.join(',')}]`;
}

/** Parses pgvector's text form back into numbers. */
export function parseVectorLiteral(s: string): Float32Array {
  const body = s.trim().replace(/^\[|\]$/g, '');
  return Float32Array.from(body ? body.split(',').map(Number) : []);
}

function checkDims(dims: number): number {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) throw new Error(`invalid embedding size ${dims}`);
  return dims;
}

export type EmbeddingStorage = { ok: true } | { ok: false; reason: string };

/**
 * Makes sure the table and the HNSW index for `dims` exist. Creates pgvector (when the server has it)
 * and the table when the migration skipped them because pgvector was missing then. Never throws for a
 * missing pgvector: returns { ok: false, reason } and the feature stays off.
 */
export async function ensureEmbeddingStorage(q: Queryable, dims: number): Promise<EmbeddingStorage> {
  const d = checkDims(dims);
  const ext = await q.query<{ installed: boolean; available: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available`,
  );
  const { installed, available } = ext.rows[0]!;
  if (!installed) {
    if (!available) return { ok: false, reason: 'pgvector is not installed on this PostgreSQL server' };
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (err) {
      return { ok: false, reason: `pgvector is available but could not be enabled: ${(err as Error).message}` };
    }
  }
  await ignoreRace(() =>
    q.query(`CREATE TABLE IF NOT EXISTS artwork_embeddings (
      artwork_id bigint PRIMARY KEY REFERENCES artworks (id) ON DELETE CASCADE,
      model text NOT NULL,
      dims integer NOT NULL CHECK (dims > 0),
      embedding vector NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT artwork_embeddings_dims_match CHECK (vector_dims(embedding) = dims)
    )`),
  );
  await ignoreRace(() =>
    q.query(
      `CREATE INDEX IF NOT EXISTS artwork_embeddings_hnsw_${d} ON artwork_embeddings
         USING hnsw ((embedding::vector(${d})) vector_cosine_ops) WHERE dims = ${d}`,
    ),
  );
  return { ok: true };
}

/** Two processes creating the same object at once: the loser's error is harmless. */
async function ignoreRace(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '42P07' && code !== '23505' && code !== '42710') throw err;
  }
}

/** Whether the embeddings table exists (false on a PostgreSQL without pgvector). */
export async function embeddingTableExists(q: Queryable): Promise<boolean> {
  const r = await q.query<{ ok: boolean }>(`SELECT to_regclass('artwork_embeddings') IS NOT NULL AS ok`);
  return r.rows[0]?.ok === true;
}

/** Stores (or replaces) the embedding of an artwork. */
export async function upsertEmbedding(q: Queryable, artworkId: string, model: string, embedding: ArrayLike<number>): Promise<void> {
  await q.query(
    `INSERT INTO artwork_embeddings (artwork_id, model, dims, embedding) VALUES ($1, $2, $3, $4::vector)
     ON CONFLICT (artwork_id) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, embedding = EXCLUDED.embedding, created_at = now()`,
    [artworkId, model, checkDims(embedding.length), toVectorLiteral(embedding)],
  );
}

/** The stored embedding of an artwork for a model, or null. */
export async function getEmbedding(q: Queryable, artworkId: string, model: string): Promise<Float32Array | null> {
  const r = await q.query<{ v: string }>(`SELECT embedding::text AS v FROM artwork_embeddings WHERE artwork_id = $1 AND model = $2`, [artworkId, model]);
  return r.rows[0] ? parseVectorLiteral(r.rows[0].v) : null;
}

export interface CharacterQueryArtwork {
  artworkId: string;
  filePath: string;
  /** The artwork's embedding for the model, or null when it has none yet. */
  embedding: Float32Array | null;
}

/** The artwork that stands for a visible character (its current one, else its newest visible one). */
export async function getCharacterQueryArtwork(q: Queryable, characterId: string, model: string): Promise<CharacterQueryArtwork | null> {
  const r = await q.query<{ artwork_id: string; file_path: string; v: string | null }>(
    `SELECT a.id::text AS artwork_id, a.file_path, e.embedding::text AS v
       FROM characters c
       JOIN artworks a ON a.character_id = c.id AND NOT a.hidden
       LEFT JOIN artwork_embeddings e ON e.artwork_id = a.id AND e.model = $2
      WHERE c.id = $1 AND NOT c.hidden
      ORDER BY a.is_current DESC, (e.artwork_id IS NOT NULL) DESC, a.id DESC
      LIMIT 1`,
    [characterId, model],
  );
  const row = r.rows[0];
  return row ? { artworkId: row.artwork_id, filePath: row.file_path, embedding: row.v ? parseVectorLiteral(row.v) : null } : null;
}

/** Sets how many HNSW candidates a search explores (pgvector's hnsw.ef_search, default 40). Use in a transaction. */
export async function setSearchBreadth(q: Queryable, efSearch: number): Promise<void> {
  const ef = Math.max(1, Math.min(1000, Math.round(efSearch)));
  await q.query(`SET LOCAL hnsw.ef_search = ${ef}`);
}

export interface NeighbourRow {
  artworkId: string;
  /** Cosine distance (0 = same direction, 2 = opposite). */
  distance: number;
  filePath: string;
  thumbPath: string;
  character: { id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null };
}

/**
 * Nearest visible artworks to `embedding` by cosine distance (`<=>`) through the HNSW index of its size,
 * best first. The inner query is what the index serves; hidden rows and `excludeCharacterId` are
 * filtered after it, so ask for some headroom.
 */
export async function nearestArtworks(
  q: Queryable,
  opts: { model: string; embedding: ArrayLike<number>; limit: number; excludeCharacterId?: string | null },
): Promise<NeighbourRow[]> {
  const d = checkDims(opts.embedding.length);
  const r = await q.query(
    `SELECT n.artwork_id::text AS artwork_id, n.distance, a.file_path, a.thumb_path,
            c.id::text AS character_id, c.name, c.anime, c.rarity, c.rarity_emoji
       FROM (SELECT e.artwork_id, (e.embedding::vector(${d})) <=> $1::vector(${d}) AS distance
               FROM artwork_embeddings e
              WHERE e.dims = ${d} AND e.model = $2
              ORDER BY (e.embedding::vector(${d})) <=> $1::vector(${d})
              LIMIT $3) n
       JOIN artworks a ON a.id = n.artwork_id
       JOIN characters c ON c.id = a.character_id
      WHERE NOT a.hidden AND NOT c.hidden AND ($4::bigint IS NULL OR c.id <> $4::bigint)
      ORDER BY n.distance, n.artwork_id`,
    [toVectorLiteral(opts.embedding), opts.model, Math.max(1, Math.floor(opts.limit)), opts.excludeCharacterId ?? null],
  );
  return r.rows.map((row) => ({
    artworkId: row.artwork_id,
    distance: Number(row.distance),
    filePath: row.file_path,
    thumbPath: row.thumb_path,
    character: { id: row.character_id, name: row.name, anime: row.anime, rarity: row.rarity, rarity_emoji: row.rarity_emoji },
  }));
}

/** The query plan of a nearest-neighbour search (tests check the HNSW index is used). */
export async function explainNearest(q: Queryable, model: string, embedding: ArrayLike<number>): Promise<string> {
  const d = checkDims(embedding.length);
  const r = await q.query(
    `EXPLAIN SELECT e.artwork_id FROM artwork_embeddings e WHERE e.dims = ${d} AND e.model = $2
      ORDER BY (e.embedding::vector(${d})) <=> $1::vector(${d}) LIMIT 10`,
    [toVectorLiteral(embedding), model],
  );
  return r.rows.map((row) => String(row['QUERY PLAN'])).join('\n');
}

/**
 * Artworks without an embedding for `model` (or with another model's), by id, for the back-fill;
 * with `all`, every artwork.
 */
export async function listArtworksWithoutEmbedding(
  q: Queryable,
  model: string,
  afterId: string,
  limit: number,
  all = false,
): Promise<{ id: string; filePath: string }[]> {
  const r = await q.query<{ id: string; file_path: string }>(
    `SELECT a.id::text AS id, a.file_path FROM artworks a LEFT JOIN artwork_embeddings e ON e.artwork_id = a.id
      WHERE a.id > $1 AND ($4 OR e.artwork_id IS NULL OR e.model <> $2) ORDER BY a.id LIMIT $3`,
    [afterId, model, limit, all],
  );
  return r.rows.map((row) => ({ id: row.id, filePath: row.file_path }));
}

export async function countArtworksWithoutEmbedding(q: Queryable, model: string, all = false): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM artworks a LEFT JOIN artwork_embeddings e ON e.artwork_id = a.id
      WHERE $2 OR e.artwork_id IS NULL OR e.model <> $1`,
    [model, all],
  );
  return r.rows[0]?.n ?? 0;
}
