/** SQL for reverse-image-search signatures and the cross-process index change log. */
import type { Queryable } from '../db/database.js';
import { codeToBitString } from '../images/perceptual-hash.js';
import { deserializeFeatures, serializeFeatures } from '../images/feature-blob.js';
import { type ImageFeatures } from '../images/feature-types.js';

/** Stores (or replaces) the signatures of an artwork; the trigger logs the change for every index. */
export async function insertArtworkFeatures(q: Queryable, artworkId: string, f: ImageFeatures): Promise<void> {
  await q.query(
    `INSERT INTO artwork_image_features (artwork_id, algo_version, features, dhash, updated_at)
     VALUES ($1, $2, $3, $4::bit(64), now())
     ON CONFLICT (artwork_id) DO UPDATE
       SET algo_version = EXCLUDED.algo_version, features = EXCLUDED.features, dhash = EXCLUDED.dhash, updated_at = now()`,
    [artworkId, f.version, serializeFeatures(f), codeToBitString(f.dhash)],
  );
}

/** Current head of the change log (cheap: max of a primary key). */
export async function getIndexChangeHead(q: Queryable): Promise<number> {
  const r = await q.query<{ id: string | null }>('SELECT max(id)::text AS id FROM image_index_changes');
  return Number(r.rows[0]?.id ?? 0);
}

/** Distinct artwork ids changed after `since`, and the new head. */
export async function listIndexChangesSince(
  q: Queryable,
  since: number,
  limit = 10_000,
): Promise<{ head: number; artworkIds: string[]; truncated: boolean }> {
  const r = await q.query<{ id: string; artwork_id: string }>(
    'SELECT id::text, artwork_id::text FROM image_index_changes WHERE id > $1 ORDER BY id LIMIT $2',
    [since, limit],
  );
  const ids = new Set<string>();
  let head = since;
  for (const row of r.rows) {
    ids.add(row.artwork_id);
    head = Math.max(head, Number(row.id));
  }
  return { head, artworkIds: [...ids], truncated: r.rows.length === limit };
}

/** One searchable artwork as loaded into the in-memory index. */
export interface IndexEntryRow {
  artworkId: string;
  characterId: string;
  features: ImageFeatures;
}

const ENTRY_SQL = `SELECT a.id::text AS artwork_id, a.character_id::text AS character_id, f.features
  FROM artworks a JOIN artwork_image_features f ON f.artwork_id = a.id
  WHERE NOT a.hidden AND f.algo_version = $1`;

/** Pages through every searchable artwork with current-version signatures (keyset by id). */
export async function* iterateIndexEntries(q: Queryable, version: number, pageSize = 5000): AsyncGenerator<IndexEntryRow[]> {
  let after = '0';
  for (;;) {
    const r = await q.query<{ artwork_id: string; character_id: string; features: Buffer }>(
      `${ENTRY_SQL} AND a.id > $2 ORDER BY a.id LIMIT $3`,
      [version, after, pageSize],
    );
    if (r.rows.length === 0) return;
    yield r.rows.map(toEntry);
    after = r.rows[r.rows.length - 1]!.artwork_id;
    if (r.rows.length < pageSize) return;
  }
}

function toEntry(r: { artwork_id: string; character_id: string; features: Buffer | Uint8Array }): IndexEntryRow {
  return { artworkId: r.artwork_id, characterId: r.character_id, features: deserializeFeatures(r.features) };
}

/** Searchable entries for these artwork ids (missing ids are absent/hidden/deleted). */
export async function getIndexEntries(q: Queryable, version: number, artworkIds: string[]): Promise<IndexEntryRow[]> {
  if (artworkIds.length === 0) return [];
  const r = await q.query(`${ENTRY_SQL} AND a.id = ANY($2::bigint[])`, [version, artworkIds]);
  return r.rows.map(toEntry);
}

/** Artwork ids whose bytes hash to sha256 or that came from this Telegram photo. */
export async function findExactArtworks(q: Queryable, sha256: string, telegramPhotoId?: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT id::text FROM artworks WHERE NOT hidden AND (sha256 = $1 OR ($2::text IS NOT NULL AND telegram_photo_id = $2))
     ORDER BY is_current DESC, id DESC LIMIT 10`,
    [sha256, telegramPhotoId ?? null],
  );
  return r.rows.map((x) => x.id);
}

/** Display details of matched artworks (hidden characters are left out). */
export interface MatchDetailsRow {
  artworkId: string;
  filePath: string;
  thumbPath: string;
  character: { id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null };
}

export async function getMatchDetails(q: Queryable, artworkIds: string[]): Promise<Map<string, MatchDetailsRow>> {
  const out = new Map<string, MatchDetailsRow>();
  if (artworkIds.length === 0) return out;
  const r = await q.query(
    `SELECT a.id::text AS artwork_id, a.file_path, a.thumb_path, c.id::text AS character_id, c.name, c.anime, c.rarity, c.rarity_emoji
       FROM artworks a JOIN characters c ON c.id = a.character_id
      WHERE a.id = ANY($1::bigint[]) AND NOT a.hidden AND NOT c.hidden`,
    [artworkIds],
  );
  for (const row of r.rows) {
    out.set(row.artwork_id, {
      artworkId: row.artwork_id,
      filePath: row.file_path,
      thumbPath: row.thumb_path,
      character: { id: row.character_id, name: row.name, anime: row.anime, rarity: row.rarity, rarity_emoji: row.rarity_emoji },
    });
  }
  return out;
}

/** Artworks whose signatures are missing or older than `version` (for reindex). */
export async function listArtworksNeedingFeatures(
  q: Queryable,
  version: number,
  afterId: string,
  limit: number,
): Promise<{ id: string; filePath: string }[]> {
  const r = await q.query<{ id: string; file_path: string }>(
    `SELECT a.id::text, a.file_path FROM artworks a LEFT JOIN artwork_image_features f ON f.artwork_id = a.id
      WHERE a.id > $1 AND (f.artwork_id IS NULL OR f.algo_version <> $2) ORDER BY a.id LIMIT $3`,
    [afterId, version, limit],
  );
  return r.rows.map((x) => ({ id: x.id, filePath: x.file_path }));
}

export async function countArtworksNeedingFeatures(q: Queryable, version: number): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM artworks a LEFT JOIN artwork_image_features f ON f.artwork_id = a.id
      WHERE f.artwork_id IS NULL OR f.algo_version <> $1`,
    [version],
  );
  return r.rows[0]?.n ?? 0;
}
