/**
 * SQL of the public gallery search (issue 12: "search finds what people type"): names and anime by
 * substring, trigram and typo-tolerant similarity, names typed without their space ("hutao"), rarity
 * words ("legendary"), the bot's character id ("1089", "#0042") and emoji; filters (anime, rarity,
 * channel) with counts; sorts; "did you mean"; autocomplete. Only pg_trgm is needed.
 */
import type { Db, Queryable } from '../db/database.js';
import { ServiceUnavailableError } from '../errors.js';
import {
  ARTWORK_COUNT_SELECT,
  CHARACTER_SELECT,
  toCharacter,
  toListArtwork,
  type CharacterListItem,
} from './characters.repo.js';

export type CharacterSort = 'relevance' | 'newest' | 'name' | 'anime' | 'liked';

export interface CharacterSearch {
  /** Normalised search text (normalizeForSearch); empty → no text filter. */
  text: string;
  /** Emoji that must each appear as the rarity emoji or inside name, anime or variant. */
  emojis?: string[];
  anime?: string | null;
  rarity?: string | null;
  channelId?: string | null;
  /** Only what this visitor caught, or only what they have not caught yet ("missing from my collection"). */
  mine?: { visitorId: string; caught: boolean } | null;
}

/** Typo tolerance for one longer word (several words are each matched on their own): necrosma → necrozma is 0.56, blacefalon → blacephalon 0.53. */
const FUZZY_MIN_LENGTH = 6;
const FUZZY_WORD_SIMILARITY = 0.5;
/** pg_trgm's default word threshold, for words shorter than FUZZY_MIN_LENGTH. */
const WORD_SIMILARITY = 0.6;
/** Longest a text search statement may run (typical ones take milliseconds; see the scale bench). */
export const TEXT_SEARCH_TIMEOUT_MS = 2000;
/** "Did you mean": the best name or anime at least this similar. */
const SUGGEST_SIMILARITY = 0.3;

const like = (p: string) => `replace(replace(replace(${p}, '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
/** The bot id a query names ("1089", "#0042" → "42"), or '' when it is not one. */
export const idOf = (t: string) => (/^#?\d{1,12}$/.test(t) ? t.replace(/^#?0*/, '') || '0' : '');

class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/**
 * One word (or the whole query) against every searchable field of `c`. Every branch is served by an
 * index (trigram GIN on the fields, their space-free forms and the rarity words; a btree on the card
 * number), so the OR stays a bitmap OR instead of a scan. `<%` runs at FUZZY_WORD_SIMILARITY (see
 * withSearchSettings); the stricter 0.6 for short words is a recheck on what the index returned.
 */
function textPredicate(p: string, id: string, nospace: string): string {
  return `(c.name_search LIKE '%' || ${like(p)} || '%' OR c.anime_search LIKE '%' || ${like(p)} || '%'
    OR (${p} <% c.name_search AND (word_similarity(${p}, c.name_search) >= ${WORD_SIMILARITY} OR (length(${p}) >= ${FUZZY_MIN_LENGTH} AND strpos(${p}, ' ') = 0)))
    OR (${p} <% c.anime_search AND (word_similarity(${p}, c.anime_search) >= ${WORD_SIMILARITY} OR (length(${p}) >= ${FUZZY_MIN_LENGTH} AND strpos(${p}, ' ') = 0)))
    OR (length(${nospace}) >= 3 AND replace(c.name_search, ' ', '') LIKE '%' || ${like(nospace)} || '%')
    OR (' ' || lower(coalesce(c.rarity, '')) || ' ') LIKE '% ' || ${like(p)} || ' %'
    OR (${id} <> '' AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${id})
    OR EXISTS (SELECT 1 FROM character_aliases al WHERE al.character_id = c.id AND (al.name_search LIKE '%' || ${like(p)} || '%'
      OR (${p} <% al.name_search AND word_similarity(${p}, al.name_search) >= ${WORD_SIMILARITY})
      OR (length(${nospace}) >= 3 AND replace(al.name_search, ' ', '') LIKE '%' || ${like(nospace)} || '%'))))`;
}

/**
 * Runs the search's statements with pg_trgm's word threshold at the fuzzy level, in one transaction
 * (SET LOCAL), so that `<%` can use the trigram indexes for typo-tolerant matches.
 */
async function withSearchSettings<T>(q: Queryable | Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const run = async (tx: Queryable) => {
    await tx.query(`SET LOCAL pg_trgm.word_similarity_threshold = ${FUZZY_WORD_SIMILARITY}`);
    // the cost cap: a pathological query fails fast instead of holding a connection for seconds
    await tx.query(`SET LOCAL statement_timeout = ${TEXT_SEARCH_TIMEOUT_MS}`);
    return fn(tx);
  };
  try {
    return await ('transaction' in q ? q.transaction(run) : run(q));
  } catch (err) {
    if ((err as { code?: string }).code === '57014') {
      throw new ServiceUnavailableError('This search took too long; add a word or a filter.', 2, 'search_too_costly');
    }
    throw err;
  }
}

/** WHERE clause for a search; `skip` leaves one filter out (facet counts ignore their own filter). */
function buildWhere(s: CharacterSearch, params: Params, skip?: 'anime' | 'rarity' | 'channel'): string {
  const where = ['NOT c.hidden', 'c.deleted_at IS NULL'];
  if (s.text) {
    const t = params.add(s.text);
    const whole = textPredicate(t, params.add(idOf(s.text)), params.add(s.text.replace(/ /g, '')));
    const words = s.text.split(' ').filter(Boolean).slice(0, 6);
    // every word matching some field also counts ("legendary rem", "rem re:zero")
    const each =
      words.length > 1
        ? words.map((w) => textPredicate(params.add(w), params.add(idOf(w)), params.add(w))).join(' AND ')
        : null;
    where.push(each ? `(${whole} OR (${each}))` : whole);
  }
  for (const e of s.emojis ?? []) {
    const p = params.add(e);
    where.push(
      `(${['c.rarity_emoji', 'c.name', 'c.anime', 'c.variant'].map((col) => `strpos(replace(coalesce(${col}, ''), chr(65039), ''), ${p}) > 0`).join(' OR ')})`,
    );
  }
  if (s.anime && skip !== 'anime') where.push(`c.anime = ${params.add(s.anime)}`);
  if (s.rarity && skip !== 'rarity') where.push(`c.rarity = ${params.add(s.rarity)}`);
  // a character is in every channel one of its visible artworks was posted in
  if (s.channelId && skip !== 'channel') {
    where.push(
      `EXISTS (SELECT 1 FROM artworks x WHERE x.character_id = c.id AND x.channel_id = ${params.add(s.channelId)} AND NOT x.hidden)`,
    );
  }
  if (s.mine)
    where.push(
      `${s.mine.caught ? '' : 'NOT '}EXISTS (SELECT 1 FROM collection_items ci WHERE ci.visitor_id = ${params.add(s.mine.visitorId)} AND ci.character_id = c.id)`,
    );
  return `WHERE ${where.join(' AND ')}`;
}

function orderBy(s: CharacterSearch, sort: CharacterSort, params: Params): string {
  const newest = 'c.created_at DESC, c.id DESC';
  if (sort === 'name') return `ORDER BY c.name_search = '', c.name_search, ${newest}`;
  if (sort === 'anime') return `ORDER BY c.anime_search = '', c.anime_search, c.name_search, ${newest}`;
  if (sort === 'liked') return `ORDER BY coalesce(lc.likes, 0) DESC, ${newest}`;
  if (sort === 'newest' || !s.text) return `ORDER BY ${newest}`;
  const t = params.add(s.text);
  const id = params.add(idOf(s.text));
  return `ORDER BY (CASE WHEN ${id} <> '' AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${id} THEN 3 ELSE 0 END
    + CASE WHEN c.name_search = ${t} THEN 1 ELSE 0 END
    + greatest(word_similarity(${t}, c.name_search), word_similarity(${t}, c.anime_search),
               similarity(replace(${t}, ' ', ''), replace(c.name_search, ' ', '')))) DESC, ${newest}`;
}

/** Counts above this are estimated by the planner ("about N") instead of counted row by row. */
export const EXACT_COUNT_LIMIT = 10_000;

/** Where the next page starts in the newest-first order: the last item's creation time (µs) and id. */
export interface GalleryCursor {
  createdUs: string;
  id: string;
}

export interface CharacterPageResult {
  items: GalleryItem[];
  total: number;
  /** `total` is the planner's estimate (above EXACT_COUNT_LIMIT). */
  totalIsEstimate: boolean;
  /** The keyset position after this page, for the newest-first order only (null: last page or other sort). */
  next: GalleryCursor | null;
}

export interface CharacterPageOptions {
  page: number;
  perPage: number;
  sort: CharacterSort;
  /** Keyset paging (newest order): start after this item instead of skipping (page − 1) × perPage rows. */
  after?: GalleryCursor | null;
}

/** A page of visible characters (with their current artwork) matching the search. */
/** A gallery card: the character, its current artwork and its like count. */
export type GalleryItem = CharacterListItem & { likes: number };

export async function searchCharacters(
  db: Queryable | Db,
  s: CharacterSearch,
  o: CharacterPageOptions,
): Promise<CharacterPageResult> {
  return withSearchSettings(db, (q) => searchIn(q, s, o));
}

async function searchIn(q: Queryable, s: CharacterSearch, o: CharacterPageOptions): Promise<CharacterPageResult> {
  const params = new Params();
  const where = buildWhere(s, params);
  const keyset = o.sort === 'newest' || (!s.text && o.sort === 'relevance');
  const order = orderBy(s, o.sort, params);
  // keyset: a row comparison on the (created_at DESC, id DESC) index, so page 10,000 costs what page 1 does
  const after =
    keyset && o.after
      ? ` AND (c.created_at, c.id) < (timestamptz 'epoch' + ${params.add(o.after.createdUs)}::bigint * interval '1 microsecond', ${params.add(o.after.id)}::bigint)`
      : '';
  const limit = params.add(o.perPage);
  const offset = after ? '0' : params.add((o.page - 1) * o.perPage);
  // A text search reads all its matches for the relevance order anyway: the window count is free there.
  // Browsing reads one page by index, so its total is a capped count (or an estimate) of its own.
  const windowCount = Boolean(s.text) && !after;
  const rows = await q.query(
    `SELECT ${CHARACTER_SELECT}, (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS created_us,
            a.id AS a_id, a.file_path, a.thumb_path, a.sha256, a.thumb_widths, a.width, a.height, a.bytes, a.mime,
            coalesce(lc.likes, 0) AS likes, ${ARTWORK_COUNT_SELECT}${windowCount ? ', count(*) OVER () AS total_count' : ''}
       FROM characters c LEFT JOIN artworks a ON a.character_id = c.id AND a.is_current
       LEFT JOIN character_like_counts lc ON lc.character_id = c.id
       ${where}${after} ${order} LIMIT ${limit} OFFSET ${offset}`,
    params.values,
  );
  const { total, estimate } =
    windowCount && rows.rows.length
      ? { total: Number(rows.rows[0].total_count), estimate: false }
      : await countMatches(q, s);
  const last = rows.rows[rows.rows.length - 1];
  return {
    total,
    totalIsEstimate: estimate,
    next: keyset && last && rows.rows.length === o.perPage ? { createdUs: last.created_us, id: String(last.id) } : null,
    items: rows.rows.map((r) => ({
      ...toCharacter(r),
      artwork: toListArtwork(r),
      likes: r.likes,
      artworkCount: r.artwork_count ?? 0,
    })),
  };
}

/**
 * The number of matches, counted up to EXACT_COUNT_LIMIT; beyond, the planner's row estimate (a count of
 * a million rows would cost more than the page itself).
 */
async function countMatches(q: Queryable, s: CharacterSearch): Promise<{ total: number; estimate: boolean }> {
  const params = new Params();
  const where = buildWhere(s, params);
  const capped = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM characters c ${where} LIMIT ${EXACT_COUNT_LIMIT + 1}) x`,
    params.values,
  );
  const n = capped.rows[0]!.n;
  if (n <= EXACT_COUNT_LIMIT) return { total: n, estimate: false };
  const plan = await q.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM characters c ${where}`,
    params.values,
  );
  const rows = Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows']);
  return { total: Math.max(n, rows), estimate: true };
}

export interface FacetValue {
  value: string;
  label: string;
  count: number;
}
export interface CharacterFacets {
  anime: FacetValue[];
  rarity: FacetValue[];
  channel: FacetValue[];
}

/** Counts per anime, rarity and channel among the matches (each ignoring its own filter), largest first. */
export async function characterFacets(db: Queryable | Db, s: CharacterSearch, limit = 40): Promise<CharacterFacets> {
  return withSearchSettings(db, (q) => facetsIn(q, s, limit));
}

async function facetsIn(q: Queryable, s: CharacterSearch, limit: number): Promise<CharacterFacets> {
  const run = async (skip: 'anime' | 'rarity' | 'channel', select: string, group: string, join = '') => {
    const params = new Params();
    const where = buildWhere(s, params, skip);
    const r = await q.query<{ value: string; label: string; count: number }>(
      `SELECT ${select}, count(DISTINCT c.id)::int AS count FROM characters c ${join} ${where} AND ${group} IS NOT NULL
        GROUP BY ${group} ORDER BY count DESC, 2 LIMIT ${params.add(limit)}`,
      params.values,
    );
    return r.rows.map((row) => ({ value: String(row.value), label: row.label, count: row.count }));
  };
  return {
    anime: await run('anime', 'c.anime AS value, c.anime AS label', 'c.anime'),
    rarity: await run(
      'rarity',
      `c.rarity AS value, trim(coalesce(min(c.rarity_emoji), '') || ' ' || c.rarity) AS label`,
      'c.rarity',
    ),
    channel: await run(
      'channel',
      `ch.id AS value, coalesce(nullif(ch.title, ''), ch.username, 'channel ' || ch.id) AS label`,
      'ch.id',
      'JOIN artworks x ON x.character_id = c.id AND NOT x.hidden JOIN channels ch ON ch.id = x.channel_id',
    ),
  };
}

/** "Did you mean": the visible name or anime most similar to `text`, or null (candidates from the trigram indexes). */
export async function didYouMean(q: Queryable, text: string): Promise<string | null> {
  if (text.length < 3) return null;
  const r = await q.query<{ value: string }>(
    `SELECT value FROM (
       SELECT c.name AS value, greatest(similarity($1, c.name_search), word_similarity($1, c.name_search),
                                        similarity(replace($1, ' ', ''), replace(c.name_search, ' ', ''))) AS s
         FROM characters c
        WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.name IS NOT NULL
          AND ($1 % c.name_search OR $1 <% c.name_search OR replace($1, ' ', '') % replace(c.name_search, ' ', ''))
       UNION ALL
       SELECT c.anime, greatest(similarity($1, c.anime_search), word_similarity($1, c.anime_search))
         FROM characters c
        WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.anime IS NOT NULL AND ($1 % c.anime_search OR $1 <% c.anime_search)
     ) x WHERE s >= $2 ORDER BY s DESC, length(value), value LIMIT 1`,
    [text, SUGGEST_SIMILARITY],
  );
  return r.rows[0]?.value ?? null;
}

export interface Suggestion {
  value: string;
  count: number;
}

/** Autocomplete: names and anime titles that start with (a word of) `text`, or nearly, with counts. */
export async function suggestNames(
  q: Queryable,
  text: string,
  limit = 6,
): Promise<{ names: Suggestion[]; anime: Suggestion[] }> {
  if (text.length < 2) return { names: [], anime: [] };
  const run = async (col: 'name' | 'anime') => {
    const r = await q.query<{ value: string; count: number }>(
      `SELECT c.${col} AS value, count(*)::int AS count FROM characters c
        WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.${col} IS NOT NULL
          AND (c.${col}_search LIKE ${like('$1')} || '%' OR c.${col}_search LIKE '% ' || ${like('$1')} || '%'
               OR replace(c.${col}_search, ' ', '') LIKE ${like("replace($1, ' ', '')")} || '%' OR $1 <% c.${col}_search)
        GROUP BY c.${col}
        ORDER BY bool_or(c.${col}_search LIKE ${like('$1')} || '%') DESC, max(word_similarity($1, c.${col}_search)) DESC, count DESC, c.${col}
        LIMIT $2`,
      [text, limit],
    );
    return r.rows;
  };
  return { names: await run('name'), anime: await run('anime') };
}
