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
/** pg_trgm's default word threshold, for a query of several words matched at once. */
const WORD_SIMILARITY = 0.6;
/**
 * Typo-tolerant matches are looked for when the exact ones (substrings, rarity words, card numbers) are
 * fewer than this, i.e. when nothing matched as typed: the trigram similarity scan is what costs at a
 * million characters (it checks every name sharing half the trigrams), and exact matches rank first.
 */
const FUZZY_BELOW = 1;
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
 * One word (or the whole query) against every searchable field of `c`. The name, anime, their space-free
 * form and the aliases are one search document (migration search-document) behind one trigram index;
 * the rarity words have an array index and the card number a btree, so the OR stays a bitmap OR of three
 * index scans. `<%` runs at FUZZY_WORD_SIMILARITY (see withSearchSettings); the stricter 0.6 for short
 * words is a recheck on what the index returned.
 */
function textPredicate(
  p: string,
  id: string,
  nospace: string,
  rarities: string,
  fuzzy: 'none' | 'long' | 'spaced',
): string {
  const near = {
    none: '',
    // one longer word: typo-tolerant at FUZZY_WORD_SIMILARITY
    long: `OR ${p} <% c.search_doc`,
    // several words at once: the stricter similarity, checked on what the index returned
    spaced: `OR (${p} <% c.search_doc AND word_similarity(${p}, c.search_doc) >= ${WORD_SIMILARITY})`,
  }[fuzzy];
  return `(c.search_doc LIKE '%' || ${like(p)} || '%'
    OR (length(${nospace}::text) >= 3 AND c.search_doc LIKE '%' || ${like(nospace)} || '%')
    OR c.rarity = ANY(${rarities}::text[])
    OR (${id}::text <> '' AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${id})
    ${near})`;
}

/**
 * How a word (or the whole query) is matched by similarity: not at all below FUZZY_MIN_LENGTH (a short
 * word is matched as a substring; one typo in it never reaches the 0.6 similarity asked of it, and its
 * few trigrams made the index return a tenth of the gallery to check), nor when `fuzzy` is off.
 */
function fuzziness(p: string, fuzzy: boolean): 'none' | 'long' | 'spaced' {
  if (!fuzzy || p.length < FUZZY_MIN_LENGTH) return 'none';
  return p.includes(' ') ? 'spaced' : 'long';
}

/**
 * The rarity values of the visible characters (a handful), by a skip scan of the rarity index: a word
 * that names one ("legendary") matches by `rarity = ANY(…)`, which the planner estimates from the
 * column's statistics, so that a broad rarity word is never the word a search starts from.
 */
async function rarityValues(q: Queryable): Promise<string[]> {
  const r = await q.query<{ rarity: string }>(
    `WITH RECURSIVE r AS (
       (SELECT rarity FROM characters WHERE NOT hidden AND deleted_at IS NULL AND rarity IS NOT NULL ORDER BY rarity LIMIT 1)
       UNION ALL
       SELECT (SELECT c.rarity FROM characters c WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.rarity > r.rarity ORDER BY c.rarity LIMIT 1)
         FROM r WHERE r.rarity IS NOT NULL)
     SELECT rarity FROM r WHERE rarity IS NOT NULL LIMIT 500`,
  );
  return r.rows.map((row) => row.rarity);
}

/** The rarity values a word names as one of their words ("rare" → "Rare", "Super Rare"). */
const raritiesNamed = (word: string, rarities: string[]) =>
  rarities.filter((r) => r.toLowerCase().split(' ').includes(word));

/** The text of a search with what its predicates need: its words and the rarity values of the gallery. */
interface TextQuery {
  text: string;
  words: string[];
  rarities: string[];
  /** Typo-tolerant (trigram similarity) matches too, or substrings, rarities and card numbers only. */
  fuzzy: boolean;
}

async function textQuery(q: Queryable, s: CharacterSearch): Promise<TextQuery | null> {
  if (!s.text) return null;
  // every word matching some field also counts ("legendary rem", "rem re:zero")
  const words = s.text.split(' ').filter(Boolean).slice(0, 6);
  return { text: s.text, words, rarities: await rarityValues(q), fuzzy: false };
}

const wholePredicate = (t: TextQuery, params: Params) =>
  textPredicate(
    params.add(t.text),
    params.add(idOf(t.text)),
    // the space-free form only when it differs (one index scan less for a single word)
    params.add(t.text.includes(' ') ? t.text.replace(/ /g, '') : ''),
    params.add(raritiesNamed(t.text, t.rarities)),
    fuzziness(t.text, t.fuzzy),
  );
const wordPredicate = (w: string, t: TextQuery, params: Params) =>
  textPredicate(
    params.add(w),
    params.add(idOf(w)),
    params.add(''),
    params.add(raritiesNamed(w, t.rarities)),
    fuzziness(w, t.fuzzy),
  );

/**
 * The word a multi-word search starts from (by index; the others filter its matches): a card number,
 * else the longest word that names no rarity (a rarity word matches a fifth of the gallery).
 */
function leadWord(t: TextQuery): string {
  const score = (w: string) => (idOf(w) ? 1000 : 0) + (raritiesNamed(w, t.rarities).length ? 0 : 100) + w.length;
  return [...t.words].sort((a, b) => score(b) - score(a))[0]!;
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

/**
 * WHERE clause for a search; `skip` leaves one filter out (facet counts ignore their own filter); `text`
 * null leaves the text out (the candidate arms of textCandidates add their own).
 */
function buildWhere(
  s: CharacterSearch,
  params: Params,
  text: TextQuery | null,
  skip?: 'anime' | 'rarity' | 'channel',
): string {
  const where = ['NOT c.hidden', 'c.deleted_at IS NULL'];
  if (text) {
    const whole = wholePredicate(text, params);
    const each = text.words.length > 1 ? text.words.map((w) => wordPredicate(w, text, params)).join(' AND ') : null;
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

/** ORDER BY for `sort` over rows aliased `c` (created_at, id, name_search, anime_search, source_id; `likes` its like count). */
function orderBy(s: CharacterSearch, sort: CharacterSort, params: Params, likes = 'c.likes'): string {
  const newest = 'c.created_at DESC, c.id DESC';
  if (sort === 'name') return `ORDER BY c.name_search = '', c.name_search, ${newest}`;
  if (sort === 'anime') return `ORDER BY c.anime_search = '', c.anime_search, c.name_search, ${newest}`;
  if (sort === 'liked') return `ORDER BY ${likes} DESC, ${newest}`;
  if (sort === 'newest' || !s.text) return `ORDER BY ${newest}`;
  const t = params.add(s.text);
  const id = params.add(idOf(s.text));
  return `ORDER BY (CASE WHEN ${id}::text <> '' AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${id} THEN 3 ELSE 0 END
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

/**
 * A text search ranks at most this many matches (the first the indexes return). A query matching more
 * ("legendary", "ka") is too broad for its ranking to mean much: its total is the planner's estimate and
 * its pages stop here, so that no query costs more than a few milliseconds of ranking.
 */
export const RANKED_MATCH_LIMIT = 1000;

async function searchIn(q: Queryable, s: CharacterSearch, o: CharacterPageOptions): Promise<CharacterPageResult> {
  const text = await textQuery(q, s);
  const { ids, total, estimate, next } = text ? await textPage(q, s, text, o) : await browsePage(q, s, o);
  return { items: await pageItems(q, ids), total, totalIsEstimate: estimate, next };
}

interface PageIds {
  ids: string[];
  total: number;
  estimate: boolean;
  next: GalleryCursor | null;
}

/** The sort columns of `c` that orderBy needs (likes only for that sort: it is a join). */
const sortColumns = (sort: CharacterSort) =>
  `c.id, c.created_at, c.name_search, c.anime_search, c.source_id${sort === 'liked' ? ', coalesce(lc.likes, 0) AS likes' : ''}`;
const likesJoin = (sort: CharacterSort) =>
  sort === 'liked' ? 'LEFT JOIN character_like_counts lc ON lc.character_id = c.id' : '';

/**
 * The matches of a text search as a union of index-driven arms, each stopping at RANKED_MATCH_LIMIT + 1:
 * the whole query against every field; for several words, the matches of the lead word (by index) that
 * every other word matches too (a filter on those rows only: an AND of two bitmap ORs would read every
 * character of a rarity); and the exact name or card number, so that it is ranked even among the first
 * matches of a broad query. `cols` are the columns of `c` each arm returns.
 */
function textCandidates(
  s: CharacterSearch,
  text: TextQuery,
  params: Params,
  cols: string,
  join = '',
  skip?: 'anime' | 'rarity' | 'channel',
): string {
  const filters = buildWhere(s, params, null, skip);
  const cap = RANKED_MATCH_LIMIT + 1;
  const arms = [
    `(SELECT ${cols} FROM characters c ${join} ${filters} AND ${wholePredicate(text, params)} LIMIT ${cap})`,
  ];
  if (text.words.length > 1) {
    const lead = leadWord(text);
    const others = text.words.filter((w, i) => i !== text.words.indexOf(lead));
    const outer = cols.replace(/\b(?:c|lc)\.(\w+)/g, 'c.$1').replace(/coalesce\(c\.likes, 0\) AS likes/, 'c.likes');
    // OFFSET 0 keeps the lead word's index scan apart from the other words' filter
    const likes = cols.includes('lc.likes') ? ', coalesce(lc.likes, 0) AS likes' : '';
    arms.push(`(SELECT ${outer} FROM (SELECT c.*${likes} FROM characters c ${join} ${filters}
        AND ${wordPredicate(lead, text, params)} OFFSET 0) c
      WHERE ${others.map((w) => wordPredicate(w, text, params)).join(' AND ')} LIMIT ${cap})`);
  }
  const id = idOf(text.text);
  arms.push(`(SELECT ${cols} FROM characters c ${join} ${filters} AND (c.name_search = ${params.add(text.text)}
      ${id ? `OR coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${params.add(id)}` : ''}))`);
  return arms.join(' UNION ');
}

/** A page of a text search: its candidates ranked and cut to the page, reading only their sort columns. */
async function textPage(q: Queryable, s: CharacterSearch, text: TextQuery, o: CharacterPageOptions): Promise<PageIds> {
  const page = async (t: TextQuery) => {
    const params = new Params();
    const candidates = textCandidates(s, t, params, sortColumns(o.sort), likesJoin(o.sort));
    const order = orderBy(s, o.sort, params);
    const r = await q.query<{ id: string; n: number }>(
      `SELECT c.id::text, count(*) OVER ()::int AS n FROM (${candidates}) c
        ${order} LIMIT ${params.add(o.perPage)} OFFSET ${params.add((o.page - 1) * o.perPage)}`,
      params.values,
    );
    return { ids: r.rows.map((row) => row.id), matched: r.rows[0]?.n };
  };
  let t = text;
  let { ids, matched } = await page(t);
  if (matched === undefined && o.page > 1) matched = await countCandidates(q, s, t);
  if ((matched ?? 0) < FUZZY_BELOW) {
    t = { ...text, fuzzy: true };
    ({ ids, matched } = await page(t));
  }
  matched ??= o.page === 1 ? 0 : undefined;
  if (matched !== undefined && matched <= RANKED_MATCH_LIMIT)
    return { ids, total: matched, estimate: false, next: null };
  // more matches than are ranked: the planner's estimate, not a count of every one
  const { total, estimate } = await countMatches(q, s, t, matched ?? 0, RANKED_MATCH_LIMIT);
  return { ids, total, estimate, next: null };
}

/** How many candidates a search has (up to RANKED_MATCH_LIMIT + 1 per arm). */
async function countCandidates(q: Queryable, s: CharacterSearch, t: TextQuery): Promise<number> {
  const params = new Params();
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (${textCandidates(s, t, params, 'c.id')}) m`,
    params.values,
  );
  return r.rows[0]!.n;
}

/**
 * A page of the gallery without text: ids only, by the index of the order, then the page's details. A
 * numbered page skips its rows inside the visible-characters index (no join, no count per skipped row);
 * the keyset cursor (newest order) seeks straight to the page instead.
 */
async function browsePage(q: Queryable, s: CharacterSearch, o: CharacterPageOptions): Promise<PageIds> {
  const params = new Params();
  const where = buildWhere(s, params, null);
  const keyset = o.sort === 'newest' || o.sort === 'relevance';
  const order = orderBy(s, o.sort, params, 'coalesce(lc.likes, 0)');
  // keyset: a row comparison on the (created_at DESC, id DESC) index, so page 10,000 costs what page 1 does
  const after =
    keyset && o.after
      ? ` AND (c.created_at, c.id) < (timestamptz 'epoch' + ${params.add(o.after.createdUs)}::bigint * interval '1 microsecond', ${params.add(o.after.id)}::bigint)`
      : '';
  const offset = after ? '0' : params.add((o.page - 1) * o.perPage);
  // only index columns per skipped row (its creation time in µs is read for the last row alone)
  const r = await q.query<{ id: string }>(
    `SELECT c.id FROM characters c ${likesJoin(o.sort)} ${where}${after} ${order}
      LIMIT ${params.add(o.perPage)} OFFSET ${offset}`,
    params.values,
  );
  const { total, estimate } = await countMatches(q, s, null);
  const last = r.rows[r.rows.length - 1];
  let next: GalleryCursor | null = null;
  if (keyset && last && r.rows.length === o.perPage) {
    const at = await q.query<{ us: string }>(
      'SELECT (extract(epoch FROM created_at) * 1000000)::bigint::text AS us FROM characters WHERE id = $1',
      [last.id],
    );
    next = { createdUs: at.rows[0]!.us, id: last.id };
  }
  return { ids: r.rows.map((row) => String(row.id)), total, estimate, next };
}

/** The gallery cards of `ids`, in that order. */
async function pageItems(q: Queryable, ids: string[]): Promise<GalleryItem[]> {
  if (!ids.length) return [];
  const rows = await q.query(
    `SELECT ${CHARACTER_SELECT}, a.id AS a_id, a.file_path, a.thumb_path, a.sha256, a.thumb_widths, a.width, a.height,
            a.bytes, a.mime, coalesce(lc.likes, 0) AS likes, ${ARTWORK_COUNT_SELECT}
       FROM characters c LEFT JOIN artworks a ON a.character_id = c.id AND a.is_current
       LEFT JOIN character_like_counts lc ON lc.character_id = c.id
      WHERE c.id = ANY($1::bigint[])`,
    [ids],
  );
  const byId = new Map(rows.rows.map((r) => [String(r.id), r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r
      ? [{ ...toCharacter(r), artwork: toListArtwork(r), likes: r.likes, artworkCount: r.artwork_count ?? 0 }]
      : [];
  });
}

/**
 * The number of matches, counted up to EXACT_COUNT_LIMIT; beyond, the planner's row estimate (a count of
 * a million rows would cost more than the page itself).
 */
async function countMatches(
  q: Queryable,
  s: CharacterSearch,
  text: TextQuery | null,
  /** Matches known to exist already: above the count limit the count is skipped. */
  atLeast = 0,
  limit = EXACT_COUNT_LIMIT,
): Promise<{ total: number; estimate: boolean }> {
  const params = new Params();
  const where = buildWhere(s, params, text);
  let n = atLeast;
  if (atLeast <= limit) {
    const capped = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM characters c ${where} LIMIT ${limit + 1}) x`,
      params.values,
    );
    n = capped.rows[0]!.n;
    if (n <= limit) return { total: n, estimate: false };
  }
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
  let text = await textQuery(q, s);
  // the same matches as the search's pages: typo-tolerant ones only when exact ones are few
  if (text && (await countCandidates(q, s, text)) < FUZZY_BELOW) text = { ...text, fuzzy: true };
  const run = async (skip: 'anime' | 'rarity' | 'channel', select: string, group: string, join = '') => {
    const params = new Params();
    // with text, the counts are over the search's candidates (all of them unless it is a broad query)
    const from = text
      ? `(${textCandidates(s, text, params, 'c.id', '', skip)}) m JOIN characters c ON c.id = m.id ${join} WHERE true`
      : `characters c ${join} ${buildWhere(s, params, null, skip)}`;
    const r = await q.query<{ value: string; label: string; count: number }>(
      `SELECT ${select}, count(DISTINCT c.id)::int AS count FROM ${from} AND ${group} IS NOT NULL
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
