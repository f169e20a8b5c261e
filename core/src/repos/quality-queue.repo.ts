/**
 * SQL of the data-quality queue's detectors: captions flagged for review, one card id with different names,
 * the pHashes the near-duplicate detector pairs, sync gaps; and the posts (artwork + character) an
 * entry shows. Entries an admin marked as fine are in quality_dismissals. The file check is in the service.
 */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type QualityKind = 'review' | 'card_conflict' | 'near_duplicate' | 'missing_file' | 'sync_gap' | 'skipped_post';

/** One post as an entry shows it: the parsed fields of its caption beside the raw caption, and its character. */
export interface QualityPost {
  artworkId: string;
  characterId: string;
  characterName: string | null;
  characterAnime: string | null;
  characterHidden: boolean;
  artworkCount: number;
  thumbPath: string;
  filePath: string;
  isCurrent: boolean;
  hidden: boolean;
  name: string | null;
  anime: string | null;
  rarity: string | null;
  rarityEmoji: string | null;
  sourceId: string | null;
  variant: string | null;
  rawCaption: string;
  captionFamily: string | null;
  parseConfidence: number | null;
  needsReview: boolean;
  channelId: string | null;
  channelTitle: string | null;
  messageId: string | null;
  postedAt: string;
}

/** At most this many differing pHash bits reads as the same picture (re-encoded, resized, recompressed). */
export const NEAR_DUPLICATE_DISTANCE = 4;

const notDismissed = (kind: QualityKind, key: string) =>
  `NOT EXISTS (SELECT 1 FROM quality_dismissals qd WHERE qd.kind = '${kind}' AND qd.key = ${key})`;

/** The posts of these artworks, in the order given. */
export async function loadPosts(q: Queryable, artworkIds: string[]): Promise<Map<string, QualityPost>> {
  const out = new Map<string, QualityPost>();
  if (!artworkIds.length) return out;
  const r = await q.query(
    `SELECT a.id::text AS artwork_id, a.character_id::text AS character_id, c.name AS c_name, c.anime AS c_anime, c.hidden AS c_hidden,
        (SELECT count(*)::int FROM artworks x WHERE x.character_id = c.id) AS artwork_count,
        a.thumb_path, a.file_path, a.is_current, a.hidden, a.name, a.anime, a.rarity, a.rarity_emoji, a.source_id, a.variant,
        a.raw_caption, a.caption_family, a.parse_confidence, a.needs_review, a.channel_id::text AS channel_id,
        nullif(ch.title, '') AS channel_title, a.message_id::text AS message_id, a.created_at
       FROM artworks a JOIN characters c ON c.id = a.character_id LEFT JOIN channels ch ON ch.id = a.channel_id
      WHERE a.id = ANY($1::bigint[])`,
    [artworkIds],
  );
  for (const x of r.rows) {
    out.set(x.artwork_id, {
      artworkId: x.artwork_id,
      characterId: x.character_id,
      characterName: x.c_name,
      characterAnime: x.c_anime,
      characterHidden: x.c_hidden,
      artworkCount: x.artwork_count,
      thumbPath: x.thumb_path,
      filePath: x.file_path,
      isCurrent: x.is_current,
      hidden: x.hidden,
      name: x.name,
      anime: x.anime,
      rarity: x.rarity,
      rarityEmoji: x.rarity_emoji,
      sourceId: x.source_id,
      variant: x.variant,
      rawCaption: x.raw_caption,
      captionFamily: x.caption_family,
      parseConfidence: x.parse_confidence,
      needsReview: x.needs_review,
      channelId: x.channel_id,
      channelTitle: x.channel_title,
      messageId: x.message_id,
      postedAt: isoOrNull(x.created_at)!,
    });
  }
  return out;
}

export interface Page {
  limit: number;
  offset: number;
}

/** A detector's page: entry keys with the artworks they show, and the total. */
export interface DetectorPage<T> {
  total: number;
  rows: T[];
}

/**
 * Visible characters whose caption needs a look (flagged by the parser: low confidence, no name, an
 * unknown layout), newest change first. Key: the character id; an admin's edit clears the flag.
 */
export async function findReviewEntries(
  q: Queryable,
  p: Page,
): Promise<DetectorPage<{ key: string; artworkId: string }>> {
  const r = await q.query(
    `SELECT c.id::text AS key, a.id::text AS artwork_id, count(*) OVER () AS total
       FROM characters c JOIN artworks a ON a.character_id = c.id AND a.is_current
      WHERE c.needs_review AND NOT c.hidden AND ${notDismissed('review', 'c.id::text')}
      ORDER BY c.updated_at DESC, c.id DESC LIMIT $1 OFFSET $2`,
    [p.limit, p.offset],
  );
  return { total: Number(r.rows[0]?.total ?? 0), rows: r.rows.map((x) => ({ key: x.key, artworkId: x.artwork_id })) };
}

/**
 * One card id of a channel posted under different names (compared normalised: case and spacing). Key:
 * channel, card id and the names, so that a new name brings a dismissed entry back.
 */
export async function findCardConflicts(
  q: Queryable,
  p: Page,
): Promise<DetectorPage<{ key: string; artworkIds: string[] }>> {
  const r = await q.query(
    `WITH g AS (
       SELECT a.channel_id, a.source_id, array_agg(a.id::text ORDER BY a.created_at, a.id) AS ids,
              a.channel_id::text || ':' || a.source_id || ':' || string_agg(DISTINCT lower(replace(a.name, ' ', '')), '|') AS key
         FROM artworks a JOIN characters c ON c.id = a.character_id
        WHERE a.source_id IS NOT NULL AND a.channel_id IS NOT NULL AND a.name IS NOT NULL AND NOT a.hidden AND NOT c.hidden
        GROUP BY a.channel_id, a.source_id
       HAVING count(DISTINCT lower(replace(a.name, ' ', ''))) > 1)
     SELECT key, ids, count(*) OVER () AS total FROM g WHERE ${notDismissed('card_conflict', 'g.key')}
      ORDER BY channel_id, source_id LIMIT $1 OFFSET $2`,
    [p.limit, p.offset],
  );
  return { total: Number(r.rows[0]?.total ?? 0), rows: r.rows.map((x) => ({ key: x.key, artworkIds: x.ids })) };
}

/** The pHash of every visible artwork of a visible character (the near-duplicate detector pairs them in memory). */
export async function listVisibleHashes(q: Queryable): Promise<Array<{ id: string; group: string; bits: string }>> {
  const r = await q.query<{ id: string; character_id: string; phash: string }>(
    `SELECT a.id::text AS id, a.character_id::text AS character_id, a.phash::text AS phash
       FROM artworks a JOIN characters c ON c.id = a.character_id WHERE NOT a.hidden AND NOT c.hidden`,
  );
  return r.rows.map((x) => ({ id: x.id, group: x.character_id, bits: x.phash }));
}

/** Changes whenever an artwork is added, moved, hidden or removed, or a character is hidden or shown. */
export async function nearDuplicateStamp(q: Queryable): Promise<string> {
  const r = await q.query<{ stamp: string }>(
    `SELECT (SELECT coalesce(max(id), 0) FROM image_index_changes)::text || ':' || (SELECT coalesce(sum(id), 0) FROM characters WHERE hidden)::text AS stamp`,
  );
  return r.rows[0]!.stamp;
}

/** The stored files of visible artworks after `afterId`, by id (for the file check; hiding is one of its fixes). */
export async function listArtworkFiles(
  q: Queryable,
  afterId: string,
  limit: number,
): Promise<Array<{ id: string; filePath: string; thumbPath: string; bytes: number }>> {
  const r = await q.query(
    'SELECT id::text AS id, file_path, thumb_path, bytes FROM artworks WHERE id > $1 AND NOT hidden ORDER BY id LIMIT $2',
    [afterId, limit],
  );
  return r.rows.map((x) => ({ id: x.id, filePath: x.file_path, thumbPath: x.thumb_path, bytes: x.bytes }));
}

export interface QualityGap {
  key: string;
  channelId: string;
  channelTitle: string | null;
  channelUsername: string | null;
  messageId: number;
  reason: string;
  attempts: number;
  lastError: string | null;
  firstSeenAt: string;
  nextAttemptAt: string;
}

/** Messages a sync skipped and keeps retrying (sync_gaps), newest first. Key: channel and message id. */
export async function findSyncGaps(q: Queryable, p: Page): Promise<DetectorPage<QualityGap>> {
  const r = await q.query(
    `SELECT g.channel_id::text AS channel_id, g.message_id, g.reason, g.attempts, g.last_error, g.first_seen_at, g.next_attempt_at,
        nullif(ch.title, '') AS title, ch.username, count(*) OVER () AS total
       FROM sync_gaps g JOIN channels ch ON ch.id = g.channel_id
      ORDER BY g.first_seen_at DESC, g.channel_id, g.message_id DESC LIMIT $1 OFFSET $2`,
    [p.limit, p.offset],
  );
  return {
    total: Number(r.rows[0]?.total ?? 0),
    rows: r.rows.map((x) => ({
      key: `${x.channel_id}:${x.message_id}`,
      channelId: x.channel_id,
      channelTitle: x.title,
      channelUsername: x.username,
      messageId: Number(x.message_id),
      reason: x.reason,
      attempts: x.attempts,
      lastError: x.last_error,
      firstSeenAt: isoOrNull(x.first_seen_at)!,
      nextAttemptAt: isoOrNull(x.next_attempt_at)!,
    })),
  };
}

/** Marks an entry as fine. */
export async function dismissEntry(q: Queryable, kind: QualityKind, key: string): Promise<void> {
  await q.query('INSERT INTO quality_dismissals (kind, key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [kind, key]);
}

/** The keys of a kind's dismissed entries. */
export async function listDismissedKeys(q: Queryable, kind: QualityKind): Promise<Set<string>> {
  const r = await q.query<{ key: string }>('SELECT key FROM quality_dismissals WHERE kind = $1', [kind]);
  return new Set(r.rows.map((x) => x.key));
}
