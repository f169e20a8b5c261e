/**
 * CLIP embeddings, stored one of two ways (told apart by the column's type, see embeddingStorageKind):
 * - `pgvector` (migration 1767000300000_clip-embeddings.sql): the column is an untyped `vector`; each
 *   common size D has a partial HNSW index on `embedding::vector(D)` WHERE dims = D (512 and 768 there,
 *   1024/1152/1280 in 1768830000000), so nearest-neighbour queries inline D (a validated integer) to match
 *   the index expression and predicate exactly. Another size is searched by a scan of its rows.
 * - `memory` (migration 1768000100000_clip-embeddings-core-types.sql, PostgreSQL without pgvector): the
 *   column is `real[]`, rows carry a commit-ordered `version`, deletions are logged; each process keeps
 *   the rows in memory and searches them there (services/embedding-memory-index.ts).
 */
import type { Queryable } from '../db/database.js';
import { toCharacterBrief, type CharacterBrief } from './rows.js';

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

/** PostgreSQL array text form: `{0.1,0.2,…}`. */
export function toArrayLiteral(v: ArrayLike<number>): string {
  return `{${toVectorLiteral(v).slice(1, -1)}}`;
}

/** Parses pgvector's text form (or a real[]'s `{…}`) back into numbers. */
export function parseVectorLiteral(s: string): Float32Array {
  const body = s.trim().replace(/^[[{]|[\]}]$/g, '');
  return Float32Array.from(body ? body.split(',').map(Number) : []);
}

function checkDims(dims: number): number {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) throw new Error(`invalid embedding size ${dims}`);
  return dims;
}

export type EmbeddingStorageKind = 'pgvector' | 'memory';
export type EmbeddingStorage =
  | {
      ok: true;
      kind: EmbeddingStorageKind;
      /** pgvector only: whether a migration made the HNSW index of this size (else searches scan its rows). */
      indexed: boolean;
    }
  | { ok: false; reason: string };

const KIND_OF_TYPE: Record<string, EmbeddingStorageKind> = { vector: 'pgvector', _float4: 'memory' };

/** The type name of artwork_embeddings.embedding, or null when the table is missing. */
async function embeddingColumnType(q: Queryable): Promise<string | null> {
  const r = await q.query<{ typname: string }>(
    `SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass('artwork_embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped`,
  );
  return r.rows[0]?.typname ?? null;
}

/**
 * How artwork_embeddings stores vectors, from its column's type (so a pgvector installed after the
 * real[] table was created changes nothing); null when the table is missing or of another type.
 */
export async function embeddingStorageKind(q: Queryable): Promise<EmbeddingStorageKind | null> {
  const type = await embeddingColumnType(q);
  return (type && KIND_OF_TYPE[type]) || null;
}

/**
 * Tells which storage is in use and, for pgvector, whether the HNSW index for `dims` exists. Read-only:
 * the table and its indexes come from the migrations alone (the pgvector one, the core-types fallback,
 * and the HNSW sizes), so a missing table means they have not run.
 */
export async function findEmbeddingStorage(q: Queryable, dims: number): Promise<EmbeddingStorage> {
  const d = checkDims(dims);
  const type = await embeddingColumnType(q);
  if (type === null) return { ok: false, reason: 'the artwork_embeddings table is missing: run the migrations' };
  const kind = KIND_OF_TYPE[type];
  if (!kind) return { ok: false, reason: `artwork_embeddings.embedding has an unsupported type ${type}` };
  if (kind === 'memory') return { ok: true, kind, indexed: false };
  const r = await q.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `artwork_embeddings_hnsw_${d}`,
  ]);
  return { ok: true, kind, indexed: r.rows[0]?.found === true };
}

/**
 * Stores (or replaces) the embedding of an artwork; false when the artwork does not exist (any more).
 * The value is sent as real[], which pgvector turns into `vector` by its assignment cast, so one
 * statement serves both storages. Locking the artwork row first keeps one lock order (artwork, then the
 * core-types version counter) against a concurrent delete, which would otherwise deadlock.
 */
export async function upsertEmbedding(
  q: Queryable,
  artworkId: string,
  model: string,
  embedding: ArrayLike<number>,
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO artwork_embeddings (artwork_id, model, dims, embedding)
     SELECT a.id, $2, $3, $4::real[] FROM artworks a WHERE a.id = $1 FOR KEY SHARE
     ON CONFLICT (artwork_id) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, embedding = EXCLUDED.embedding, created_at = now()`,
    [artworkId, model, checkDims(embedding.length), toArrayLiteral(embedding)],
  );
  return (r.rowCount ?? 0) > 0;
}

/** The stored embedding of an artwork for a model, or null. */
export async function getEmbedding(q: Queryable, artworkId: string, model: string): Promise<Float32Array | null> {
  const r = await q.query<{ v: string }>(
    `SELECT embedding::text AS v FROM artwork_embeddings WHERE artwork_id = $1 AND model = $2`,
    [artworkId, model],
  );
  return r.rows[0] ? parseVectorLiteral(r.rows[0].v) : null;
}

export interface CharacterQueryArtwork {
  artworkId: string;
  filePath: string;
  /** The artwork's embedding for the model, or null when it has none yet. */
  embedding: Float32Array | null;
}

/** The artwork that stands for a visible character (its current one, else its newest visible one). */
export async function getCharacterQueryArtwork(
  q: Queryable,
  characterId: string,
  model: string,
): Promise<CharacterQueryArtwork | null> {
  const r = await q.query<{ artwork_id: string; file_path: string; v: string | null }>(
    `SELECT a.id::text AS artwork_id, a.file_path, e.embedding::text AS v
       FROM characters c
       JOIN artworks a ON a.character_id = c.id AND NOT a.hidden AND a.deleted_at IS NULL
       LEFT JOIN artwork_embeddings e ON e.artwork_id = a.id AND e.model = $2
      WHERE c.id = $1 AND NOT c.hidden AND c.deleted_at IS NULL
      ORDER BY a.is_current DESC, (e.artwork_id IS NOT NULL) DESC, a.id DESC
      LIMIT 1`,
    [characterId, model],
  );
  const row = r.rows[0];
  return row
    ? { artworkId: row.artwork_id, filePath: row.file_path, embedding: row.v ? parseVectorLiteral(row.v) : null }
    : null;
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
  character: CharacterBrief;
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
      WHERE NOT a.hidden AND NOT c.hidden AND a.deleted_at IS NULL AND c.deleted_at IS NULL AND ($4::bigint IS NULL OR c.id <> $4::bigint)
      ORDER BY n.distance, n.artwork_id`,
    [toVectorLiteral(opts.embedding), opts.model, Math.max(1, Math.floor(opts.limit)), opts.excludeCharacterId ?? null],
  );
  return r.rows.map(toNeighbour);
}

function toNeighbour(row: Record<string, any>): NeighbourRow {
  return {
    artworkId: row.artwork_id,
    distance: Number(row.distance),
    filePath: row.file_path,
    thumbPath: row.thumb_path,
    character: toCharacterBrief(row),
  };
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

// ---- core-types storage (`memory`): what the in-memory index loads ----

/** The newest change stamp of the core-types table (0 when nothing was ever stored). */
export async function embeddingsVersion(q: Queryable): Promise<string> {
  const r = await q.query<{ v: string }>(`SELECT version::text AS v FROM artwork_embedding_version`);
  return r.rows[0]?.v ?? '0';
}

export interface StoredEmbedding {
  artworkId: string;
  model: string;
  dims: number;
  version: string;
  embedding: Float32Array;
}

// The vector travels as array_send(embedding): PostgreSQL's binary array format inside a bytea, which
// node-pg hands over as a Buffer. That is ~3× faster to load than parsing the real[] text form.
type StoredRow = { artwork_id: string; model: string; dims: number; version: string; embedding: Buffer };
// (the text aliases shadow the columns in ORDER BY, so queries order by e.<column>)
const STORED_COLUMNS =
  'e.artwork_id::text AS artwork_id, e.model, e.dims, e.version::text AS version, array_send(e.embedding) AS embedding';

function decodeRow(row: StoredRow): StoredEmbedding {
  return {
    artworkId: row.artwork_id,
    model: row.model,
    dims: row.dims,
    version: row.version,
    embedding: decodeFloat4Array(row.embedding),
  };
}

/** PostgreSQL's binary array format for a 1-D real[] without NULLs (the table's CHECK guarantees both). */
export function decodeFloat4Array(buf: Buffer): Float32Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const ndim = view.getInt32(0);
  if (ndim === 0) return new Float32Array(0);
  const n = view.getInt32(12);
  // 20 header bytes, then (length 4, big-endian float4) per element; a NULL would make it shorter
  if (ndim !== 1 || buf.byteLength !== 20 + 8 * n) throw new Error('expected a 1-D real[] without NULLs');
  const out = new Float32Array(n);
  for (let i = 0, p = 24; i < n; i++, p += 8) out[i] = view.getFloat32(p);
  return out;
}

/** How many rows of a model (and size) a full load will read, up to a version. */
export async function countStoredEmbeddings(
  q: Queryable,
  model: string,
  dims: number,
  upToVersion: string,
): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM artwork_embeddings WHERE model = $1 AND dims = $2 AND version <= $3`,
    [model, dims, upToVersion],
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * A page of a full load: the next `limit` artwork ids after `afterId` (primary-key order), and those of
 * them that belong to `model`/`dims` with a stamp ≤ upToVersion. Paging on the key alone keeps the plan
 * an index range scan whatever the statistics say (filtering in the same scan once chose a sort of every
 * remaining row, per page); `lastId` is null when no ids are left.
 */
export async function loadEmbeddingPage(
  q: Queryable,
  opts: { model: string; dims: number; upToVersion: string; afterId: string; limit: number },
): Promise<{ rows: StoredEmbedding[]; lastId: string | null }> {
  const r = await q.query<StoredRow & { last_id: string | null }>(
    `WITH page AS (
       SELECT artwork_id FROM artwork_embeddings WHERE artwork_id > $4 ORDER BY artwork_id LIMIT $5
     ), last AS (SELECT max(artwork_id)::text AS last_id FROM page)
     SELECT last.last_id, ${STORED_COLUMNS}
       FROM last
       LEFT JOIN (page JOIN artwork_embeddings e ON e.artwork_id = page.artwork_id AND e.model = $1 AND e.dims = $2 AND e.version <= $3)
         ON true
      ORDER BY e.artwork_id`,
    [opts.model, opts.dims, opts.upToVersion, opts.afterId, opts.limit],
  );
  const lastId = r.rows[0]?.last_id ?? null;
  return { rows: r.rows.filter((row) => row.artwork_id !== null).map(decodeRow), lastId };
}

/** A page of changes: rows (of any model) stamped in (afterVersion, upToVersion], oldest first. */
export async function loadEmbeddingChanges(
  q: Queryable,
  opts: { afterVersion: string; upToVersion: string; limit: number },
): Promise<StoredEmbedding[]> {
  // the stamps are chosen first (version index), the vectors read only for those rows
  const r = await q.query<StoredRow>(
    `WITH page AS (
       SELECT artwork_id FROM artwork_embeddings WHERE version > $1 AND version <= $2 ORDER BY version LIMIT $3
     )
     SELECT ${STORED_COLUMNS} FROM page JOIN artwork_embeddings e ON e.artwork_id = page.artwork_id ORDER BY e.version`,
    [opts.afterVersion, opts.upToVersion, opts.limit],
  );
  return r.rows.map(decodeRow);
}

/** Artworks whose embedding was deleted in (afterVersion, upToVersion]. */
export async function listEmbeddingRemovals(
  q: Queryable,
  afterVersion: string,
  upToVersion: string,
): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT DISTINCT artwork_id::text AS id FROM artwork_embedding_removals WHERE version > $1 AND version <= $2`,
    [afterVersion, upToVersion],
  );
  return r.rows.map((row) => row.id);
}

/**
 * The visible artworks among in-memory search hits, with their characters, best first (the same rows
 * and order nearestArtworks gives on pgvector). Hidden rows and `excludeCharacterId` are left out.
 */
export async function neighbourDetails(
  q: Queryable,
  hits: { id: string; similarity: number }[],
  excludeCharacterId?: string | null,
): Promise<NeighbourRow[]> {
  if (hits.length === 0) return [];
  const r = await q.query(
    `SELECT n.artwork_id::text AS artwork_id, n.distance, a.file_path, a.thumb_path,
            c.id::text AS character_id, c.name, c.anime, c.rarity, c.rarity_emoji
       FROM unnest($1::bigint[], $2::float8[]) AS n(artwork_id, distance)
       JOIN artworks a ON a.id = n.artwork_id
       JOIN characters c ON c.id = a.character_id
      WHERE NOT a.hidden AND NOT c.hidden AND a.deleted_at IS NULL AND c.deleted_at IS NULL AND ($3::bigint IS NULL OR c.id <> $3::bigint)
      ORDER BY n.distance, n.artwork_id`,
    [hits.map((h) => h.id), hits.map((h) => 1 - h.similarity), excludeCharacterId ?? null],
  );
  return r.rows.map(toNeighbour);
}
