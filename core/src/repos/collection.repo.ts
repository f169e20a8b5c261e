/** SQL for a visitor's collection ("caught it"): marks, completion per anime and rarity, export and import. */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type CollectionSource = 'manual' | 'harem' | 'import';

/** Marks one visible character as caught or not; false when there is no visible character of that id. */
export async function setCaught(
  q: Queryable,
  visitorId: string,
  characterId: string,
  caught: boolean,
): Promise<boolean> {
  const exists = await q.query('SELECT 1 FROM characters WHERE id = $1 AND NOT hidden', [characterId]);
  if (!exists.rows.length) return false;
  if (caught) {
    await q.query(
      `INSERT INTO collection_items (visitor_id, character_id, source) VALUES ($1, $2, 'manual') ON CONFLICT DO NOTHING`,
      [visitorId, characterId],
    );
  } else {
    await q.query('DELETE FROM collection_items WHERE visitor_id = $1 AND character_id = $2', [visitorId, characterId]);
  }
  return true;
}

/**
 * Marks many at once (harem paste, import); unknown or hidden ids are skipped. Returns how many were new
 * and which of the given ids were not found.
 */
export async function addCaught(
  q: Queryable,
  visitorId: string,
  characterIds: string[],
  source: CollectionSource,
  caughtAt: (string | null)[] = [],
): Promise<{ added: number; missing: string[] }> {
  if (!characterIds.length) return { added: 0, missing: [] };
  const r = await q.query<{ character_id: string }>(
    `WITH given AS (SELECT * FROM unnest($2::bigint[], $4::timestamptz[]) AS g (id, at)),
          known AS (SELECT g.id, g.at FROM given g JOIN characters c ON c.id = g.id AND NOT c.hidden)
     INSERT INTO collection_items (visitor_id, character_id, source, caught_at)
     SELECT $1, id, $3, coalesce(at, now()) FROM known
     ON CONFLICT DO NOTHING RETURNING character_id`,
    [visitorId, characterIds, source, characterIds.map((_, i) => caughtAt[i] ?? null)],
  );
  const known = await q.query<{ id: string }>('SELECT id FROM characters WHERE id = ANY($1::bigint[]) AND NOT hidden', [
    characterIds,
  ]);
  const found = new Set(known.rows.map((row) => row.id));
  return { added: r.rows.length, missing: characterIds.filter((id) => !found.has(id)) };
}

export async function caughtIds(q: Queryable, visitorId: string): Promise<string[]> {
  const r = await q.query<{ character_id: string }>(
    'SELECT character_id FROM collection_items WHERE visitor_id = $1 ORDER BY caught_at DESC, character_id',
    [visitorId],
  );
  return r.rows.map((row) => row.character_id);
}

export interface CompletionGroup {
  value: string;
  label: string;
  caught: number;
  total: number;
}

export interface Completion {
  caught: number;
  total: number;
  anime: CompletionGroup[];
  rarity: CompletionGroup[];
}

/** Caught/total over the visible gallery, per anime and per rarity (groups with a catch first, then the largest): one scan. */
export async function completion(q: Queryable, visitorId: string): Promise<Completion> {
  const r = await q.query<{
    anime: string | null;
    rarity: string | null;
    by_anime: number;
    by_rarity: number;
    emoji: string | null;
    caught: number;
    total: number;
  }>(
    `SELECT c.anime, c.rarity, grouping(c.anime) AS by_anime, grouping(c.rarity) AS by_rarity, min(c.rarity_emoji) AS emoji,
            count(ci.character_id)::int AS caught, count(*)::int AS total
       FROM characters c LEFT JOIN collection_items ci ON ci.character_id = c.id AND ci.visitor_id = $1
      WHERE NOT c.hidden
      GROUP BY GROUPING SETS ((c.anime), (c.rarity), ())`,
    [visitorId],
  );
  const order = (a: CompletionGroup, b: CompletionGroup) =>
    b.caught - a.caught || b.total - a.total || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
  const out: Completion = { caught: 0, total: 0, anime: [], rarity: [] };
  for (const row of r.rows) {
    // grouping() is 0 for the column a row is grouped by
    if (row.by_anime === 1 && row.by_rarity === 1) Object.assign(out, { caught: row.caught, total: row.total });
    else if (row.by_anime === 0 && row.anime !== null)
      out.anime.push({ value: row.anime, label: row.anime, caught: row.caught, total: row.total });
    else if (row.by_rarity === 0 && row.rarity !== null)
      out.rarity.push({
        value: row.rarity,
        label: `${row.emoji ?? ''} ${row.rarity}`.trim(),
        caught: row.caught,
        total: row.total,
      });
  }
  out.anime.sort(order);
  out.rarity.sort(order);
  return out;
}

export interface CollectionExportRow {
  characterId: string;
  name: string | null;
  anime: string | null;
  rarity: string | null;
  sourceId: string | null;
  channel: string | null;
  caughtAt: string;
}

/** The whole collection of a visitor, for export (hidden characters included: they are still theirs). */
export async function exportCollection(q: Queryable, visitorId: string): Promise<CollectionExportRow[]> {
  const r = await q.query(
    `SELECT c.id, c.name, c.anime, c.rarity, c.source_id, ch.username AS channel, ci.caught_at
       FROM collection_items ci JOIN characters c ON c.id = ci.character_id LEFT JOIN channels ch ON ch.id = c.channel_id
      WHERE ci.visitor_id = $1 ORDER BY c.anime NULLS LAST, c.name NULLS LAST, c.id`,
    [visitorId],
  );
  return r.rows.map((row) => ({
    characterId: row.id,
    name: row.name,
    anime: row.anime,
    rarity: row.rarity,
    sourceId: row.source_id,
    channel: row.channel,
    caughtAt: isoOrNull(row.caught_at)!,
  }));
}

/** Visible characters by exact (case-insensitive) name, with anime and card id, for matching pasted or imported lines. */
export async function charactersNamed(q: Queryable, names: string[]): Promise<MatchCandidate[]> {
  if (!names.length) return [];
  const r = await q.query(
    `SELECT id, name, anime, rarity, rarity_emoji, source_id, name_search FROM characters
      WHERE NOT hidden AND name_search = ANY($1::text[])`,
    [names],
  );
  return r.rows.map(toCandidate);
}

/** Visible characters whose card id is one of `ids` (compared as numbers: "07" = "7"). */
export async function charactersWithSourceIds(q: Queryable, ids: string[]): Promise<MatchCandidate[]> {
  if (!ids.length) return [];
  const r = await q.query(
    `SELECT id, name, anime, rarity, rarity_emoji, source_id, name_search FROM characters
      WHERE NOT hidden AND source_id IS NOT NULL AND coalesce(nullif(ltrim(source_id, '#0'), ''), '0') = ANY($1::text[])`,
    [ids],
  );
  return r.rows.map(toCandidate);
}

export interface MatchCandidate {
  id: string;
  name: string | null;
  anime: string | null;
  rarity: string | null;
  rarityEmoji: string | null;
  sourceId: string | null;
  nameSearch: string;
}

const toCandidate = (r: any): MatchCandidate => ({
  id: r.id,
  name: r.name,
  anime: r.anime,
  rarity: r.rarity,
  rarityEmoji: r.rarity_emoji,
  sourceId: r.source_id,
  nameSearch: r.name_search,
});

/** Visible characters by id, for matching an import. */
export async function charactersById(q: Queryable, ids: string[]): Promise<MatchCandidate[]> {
  if (!ids.length) return [];
  const r = await q.query(
    `SELECT id, name, anime, rarity, rarity_emoji, source_id, name_search FROM characters WHERE NOT hidden AND id = ANY($1::bigint[])`,
    [ids],
  );
  return r.rows.map(toCandidate);
}
