/** SQL for reverse-image-search signatures and the cross-process index change log. */
import { ARTWORK_COUNT_SELECT } from './characters.repo.js';
import type { Queryable } from '../db/database.js';
import { toCharacterBrief, type CharacterBrief } from './rows.js';
import { codeToBitString } from '../images/perceptual-hash.js';
import { deserializeFeatures, deserializeSignature, serializeFeatures } from '../images/feature-blob.js';
import type { ImageFeatures, IndexSignature, VerifyData } from '../images/feature-types.js';

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

/** One searchable artwork as loaded into the in-memory index (no verification images). */
export interface IndexEntryRow {
  artworkId: string;
  characterId: string;
  features: IndexSignature;
}

// The signature column is the blob's index prefix, stored inline (migration 1768710000000).
const ENTRY_SQL = `SELECT a.id::text AS artwork_id, a.character_id::text AS character_id, f.signature
  FROM artworks a JOIN artwork_image_features f ON f.artwork_id = a.id
  WHERE NOT a.hidden AND a.deleted_at IS NULL AND f.algo_version = $1`;

type RawEntry = { artwork_id: string; character_id: string; signature: Buffer };

// Ids as text (exact), the signature as bytes (pg decodes bytea's hex into a Buffer natively). pg's
// per-query `binary` mode decodes every field as UTF-8 text first, so it cannot carry bytea.
async function entryQuery(q: Queryable, text: string, values: unknown[]): Promise<RawEntry[]> {
  return (await q.query<RawEntry>(text, values)).rows;
}

function toEntry(row: RawEntry): IndexEntryRow {
  return {
    artworkId: row.artwork_id,
    characterId: row.character_id,
    features: deserializeSignature(row.signature),
  };
}

/**
 * Streams every searchable artwork with current-version signatures: pages in id order (a keyset cursor
 * that holds no transaction open between pages) of the compact inline signature column only.
 */
export async function* iterateIndexEntries(
  q: Queryable,
  version: number,
  pageSize = 2_000,
): AsyncGenerator<IndexEntryRow[]> {
  let after = '0';
  for (;;) {
    const rows = await entryQuery(q, `${ENTRY_SQL} AND a.id > $2 ORDER BY a.id LIMIT $3`, [version, after, pageSize]);
    if (rows.length === 0) return;
    const page = rows.map(toEntry);
    yield page;
    after = page[page.length - 1]!.artworkId;
    if (rows.length < pageSize) return;
  }
}

/** Searchable entries for these artwork ids (missing ids are absent/hidden/deleted). */
export async function getIndexEntries(q: Queryable, version: number, artworkIds: string[]): Promise<IndexEntryRow[]> {
  if (artworkIds.length === 0) return [];
  const rows = await entryQuery(q, `${ENTRY_SQL} AND a.id = ANY($2::bigint[])`, [version, artworkIds]);
  return rows.map(toEntry);
}

/** The verification images of these artworks (read for the top candidates of a search only). */
export async function getVerifyData(
  q: Queryable,
  version: number,
  artworkIds: string[],
): Promise<Map<string, VerifyData>> {
  const out = new Map<string, VerifyData>();
  if (artworkIds.length === 0) return out;
  const r = await q.query<{ artwork_id: string; features: Buffer }>(
    'SELECT artwork_id::text, features FROM artwork_image_features WHERE artwork_id = ANY($1::bigint[]) AND algo_version = $2',
    [artworkIds, version],
  );
  for (const row of r.rows) out.set(row.artwork_id, deserializeFeatures(row.features).verify);
  return out;
}

/** Artwork ids whose bytes hash to sha256 or that came from this Telegram photo. */
export async function findExactArtworks(q: Queryable, sha256: string, telegramPhotoId?: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    `SELECT id::text FROM artworks WHERE NOT hidden AND deleted_at IS NULL AND (sha256 = $1 OR ($2::text IS NOT NULL AND telegram_photo_id = $2))
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
  character: CharacterBrief;
  /** The matched artwork's own post: is it the character's current one, its card id and rarity there. */
  post: {
    isCurrent: boolean;
    sourceId: string | null;
    rarity: string | null;
    rarityEmoji: string | null;
    channelTitle: string | null;
    postedAt: string;
  };
  artworkCount: number;
}

export async function getMatchDetails(q: Queryable, artworkIds: string[]): Promise<Map<string, MatchDetailsRow>> {
  const out = new Map<string, MatchDetailsRow>();
  if (artworkIds.length === 0) return out;
  const r = await q.query(
    `SELECT a.id::text AS artwork_id, a.file_path, a.thumb_path, c.id::text AS character_id, c.name, c.anime, c.rarity, c.rarity_emoji,
        a.is_current, a.source_id AS a_source_id, a.rarity AS a_rarity, a.rarity_emoji AS a_rarity_emoji, a.created_at,
        nullif(ch.title, '') AS channel_title, ${ARTWORK_COUNT_SELECT}
       FROM artworks a JOIN characters c ON c.id = a.character_id LEFT JOIN channels ch ON ch.id = a.channel_id
      WHERE a.id = ANY($1::bigint[]) AND NOT a.hidden AND NOT c.hidden AND a.deleted_at IS NULL AND c.deleted_at IS NULL`,
    [artworkIds],
  );
  for (const row of r.rows) {
    out.set(row.artwork_id, {
      artworkId: row.artwork_id,
      filePath: row.file_path,
      thumbPath: row.thumb_path,
      character: toCharacterBrief(row),
      post: {
        isCurrent: row.is_current,
        sourceId: row.a_source_id,
        rarity: row.a_rarity,
        rarityEmoji: row.a_rarity_emoji,
        channelTitle: row.channel_title,
        postedAt: new Date(row.created_at).toISOString(),
      },
      artworkCount: row.artwork_count,
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
