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
 * Longest a text search statement may run: a safety net, since the word-index statements are bounded by
 * their plans (at most WORD_SCAN_LIMIT index entries per range, a few thousand rows) and the trigram
 * fallbacks by FALLBACK_TIMEOUT_MS; past it the search answers 503 (see the scale bench for the figures).
 */
export const TEXT_SEARCH_TIMEOUT_MS = 1000;
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
const RARITY_VALUES = `array(WITH RECURSIVE r AS (
       (SELECT rarity FROM characters WHERE NOT hidden AND deleted_at IS NULL AND rarity IS NOT NULL ORDER BY rarity LIMIT 1)
       UNION ALL
       SELECT (SELECT c.rarity FROM characters c WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.rarity > r.rarity ORDER BY c.rarity LIMIT 1)
         FROM r WHERE r.rarity IS NOT NULL)
     SELECT rarity FROM r WHERE rarity IS NOT NULL LIMIT 500)`;

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
  /** Per word, how many entries of the word index start with it (counted up to WORD_SCAN_LIMIT + 1). */
  counts: number[];
}

/**
 * The most entries of the word index one arm reads (a broad prefix such as "ka" starts 30,000 at a million
 * characters): the arm ranks what it read and keeps the best RANKED_MATCH_LIMIT + 1. A range is read in
 * word order, so the query itself as a word (the best rank) comes first; what is cut are longer words.
 */
const WORD_SCAN_LIMIT = 5_000;
/** The most characters a near-miss arm checks by similarity (see nearCandidates). */
const NEAR_SCAN_LIMIT = 5_000;
/** The most anime titles whose characters a near-miss search returns (the most similar first). */
const NEAR_TITLE_LIMIT = 20;
/**
 * How similar a title must be to the whole query, with or without spaces, to be a near miss: the fuzzy
 * level of one longer word (FUZZY_WORD_SIMILARITY), here for the whole title, since a typo in a short
 * word ("stami nrovel" for "stamin rovel") leaves few trigrams of it in common.
 */
const TITLE_SIMILARITY = FUZZY_WORD_SIMILARITY;
/** A word as the pattern of its prefix range in the word index (C collation: LIKE 'x%' is a btree range). */
const prefixOf = (w: string) => `${w.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

async function textQuery(q: Queryable, s: CharacterSearch): Promise<TextQuery | null> {
  if (!s.text) return null;
  // every word matching some field also counts ("legendary rem", "rem re:zero")
  const words = s.text.split(' ').filter(Boolean).slice(0, 6);
  const params = new Params();
  // one capped index-only count per word, in one statement: the rarest word leads a multi-word search
  const counts = await q.query<Record<string, number> & { rarities: string[] }>(
    `SELECT ${SETTINGS_SELECT}, ${RARITY_VALUES} AS rarities, ${words
      .map(
        (w, i) =>
          `(SELECT count(*)::int FROM (SELECT 1 FROM character_search_words WHERE word LIKE ${params.add(prefixOf(w))}
             LIMIT ${WORD_SCAN_LIMIT + 1}) x) AS n${i}`,
      )
      .join(', ')}`,
    params.values,
  );
  const row = counts.rows[0]!;
  return { text: s.text, words, rarities: row.rarities, fuzzy: false, counts: words.map((_, i) => row[`n${i}`]!) };
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
 * The search's settings for the rest of its transaction, as columns of its first statement (textQuery):
 * pg_trgm's word threshold at the fuzzy level, so that `<%` can use the trigram indexes for typo-tolerant
 * matches, and the cost cap, so that a pathological query fails fast instead of holding a connection for
 * seconds. No round trip of their own: on a busy box every statement also waits for a core.
 */
const SETTINGS_SELECT = `set_config('pg_trgm.word_similarity_threshold', '${FUZZY_WORD_SIMILARITY}', true) AS trgm,
  set_config('statement_timeout', '${TEXT_SEARCH_TIMEOUT_MS}', true) AS timeout`;

/**
 * Runs the search's statements with its settings (see SETTINGS_SELECT) in one transaction; `settled`: the
 * first statement of `fn` is textQuery's, which sets them.
 */
async function withSearchSettings<T>(
  q: Queryable | Db,
  fn: (tx: Queryable) => Promise<T>,
  settled = false,
): Promise<T> {
  const run = async (tx: Queryable) => {
    if (!settled) await tx.query(`SELECT ${SETTINGS_SELECT}`);
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
function orderBy(
  s: CharacterSearch,
  sort: CharacterSort,
  params: Params,
  likes = 'c.likes',
  typed: boolean | 'near' = false,
): string {
  const newest = 'c.created_at DESC, c.id DESC';
  if (sort === 'name') return `ORDER BY c.name_search = '', c.name_search, ${newest}`;
  if (sort === 'anime') return `ORDER BY c.anime_search = '', c.anime_search, c.name_search, ${newest}`;
  if (sort === 'liked') return `ORDER BY ${likes} DESC, ${newest}`;
  if (sort === 'newest' || !s.text) return `ORDER BY ${newest}`;
  const t = params.add(s.text);
  const id = params.add(idOf(s.text));
  const card = `CASE WHEN ${id}::text <> '' AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${id} THEN 3 ELSE 0 END
    + CASE WHEN c.name_search = ${t} THEN 1 ELSE 0 END`;
  // near misses: by the similarity their arm computed (see nearCandidates)
  if (typed === 'near') return `ORDER BY (${card}) DESC, c.near DESC, ${newest}`;
  // matches as typed: the name or title that is the query, then one that has it as a whole word, then one
  // that starts with it, shorter names first (comparisons only: a thousand candidates rank in a millisecond)
  if (typed)
    return `ORDER BY (${card} + CASE WHEN c.anime_search = ${t} THEN 0.6 ELSE 0 END
      + CASE WHEN strpos(' ' || c.name_search || ' ', ' ' || ${t} || ' ') > 0 THEN 0.5
             WHEN strpos(' ' || c.anime_search || ' ', ' ' || ${t} || ' ') > 0 THEN 0.3 ELSE 0 END
      + CASE WHEN starts_with(c.name_search, ${t}) THEN 0.2 ELSE 0 END) DESC, length(c.name_search), ${newest}`;
  return `ORDER BY (${card}
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
  return withSearchSettings(db, (q) => searchIn(q, s, o), Boolean(s.text));
}

/**
 * A text search ranks at most this many matches (the first the indexes return). A query matching more
 * ("legendary", "ka") is too broad for its ranking to mean much: its total is the planner's estimate and
 * its pages stop here, so that no query costs more than a few milliseconds of ranking.
 */
export const RANKED_MATCH_LIMIT = 1000;

async function searchIn(q: Queryable, s: CharacterSearch, o: CharacterPageOptions): Promise<CharacterPageResult> {
  const text = await textQuery(q, s);
  if (text) return textPage(q, s, text, o);
  const { ids, total, estimate, next } = await browsePage(q, s, o);
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

/** Whether the character's search document has a word starting with `p` (a filter on rows already found). */
const hasWordStarting = (p: string) => `strpos(translate(E'\\n' || c.search_doc, ' ', E'\\n'), E'\\n' || ${p}) > 0`;

/** One word of a multi-word search as a filter: a word of the document starts with it, or a rarity or card number it names. */
function wordFilter(w: string, t: TextQuery, params: Params): string {
  const id = idOf(w);
  const rarities = raritiesNamed(w, t.rarities);
  return `(${hasWordStarting(params.add(w))}${rarities.length ? ` OR c.rarity = ANY(${params.add(rarities)}::text[])` : ''}${
    id ? ` OR coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${params.add(id)}` : ''
  })`;
}

/**
 * The characters with an entry of the word index starting with one of `patterns`, shortest entry first
 * (the exact word or name before longer ones), at most RANKED_MATCH_LIMIT + 1 of the first
 * WORD_SCAN_LIMIT entries: the ranking happens in the index arm, before the characters are joined.
 */
function wordArm(patterns: string[], params: Params, cols: string, join: string, filters: string, extra = ''): string {
  const cap = RANKED_MATCH_LIMIT + 1;
  const ranges = patterns
    .map(
      (p) =>
        `(SELECT character_id, word FROM character_search_words WHERE word LIKE ${params.add(p)} LIMIT ${WORD_SCAN_LIMIT})`,
    )
    .join(' UNION ALL ');
  // each character once (its name and its words both start with a prefix), more than kept: filters follow
  return `(SELECT ${cols} FROM (SELECT character_id FROM (${ranges}) r GROUP BY character_id
        ORDER BY min(length(r.word)) LIMIT ${cap * 4}) w
      JOIN characters c ON c.id = w.character_id ${join} ${filters} ${extra} LIMIT ${cap})`;
}

/**
 * The matches as typed, from the word index: the whole query as the start of a word, name, title or alias
 * (also without its spaces: "hu tao" finds "Hutao"); for several words, the rarest word's matches that the
 * other words match too (each the start of a word of the document, or a rarity or card number); the
 * rarity a word names; the card number; and the exact name, ranked first even among a broad query's matches.
 */
function wordCandidates(
  s: CharacterSearch,
  t: TextQuery,
  params: Params,
  cols: string,
  join = '',
  skip?: 'anime' | 'rarity' | 'channel',
  /** Rows of (id, score) ranked in the index arms instead of `cols` (relevance order, no filters): see scoredPage. */
  scored = false,
): string {
  const filters = buildWhere(s, params, null, skip);
  const cap = RANKED_MATCH_LIMIT + 1;
  const whole = [prefixOf(t.text)];
  if (t.text.includes(' ')) whole.push(prefixOf(t.text.replace(/ /g, '')));
  // scored: the best entry of each character, read from the word index alone (it holds visible characters
  // only): the query itself as a word, name or title first, then shorter entries; a name before a title
  const score = (n: number) => (scored ? `c.id, ${n}::float8 AS score` : cols);
  const arms = scored
    ? [
        `(SELECT character_id AS id, max(CASE WHEN r.word = ${params.add(t.text)} THEN 1.5 ELSE 1 - length(r.word) / 1000.0 END
            + CASE WHEN r.in_name THEN 0.3 ELSE 0 END)::float8 AS score
          FROM (${whole.map((p) => `(SELECT character_id, word, in_name FROM character_search_words WHERE word LIKE ${params.add(p)} LIMIT ${WORD_SCAN_LIMIT})`).join(' UNION ALL ')}) r
          GROUP BY character_id ORDER BY 2 DESC LIMIT ${cap})`,
      ]
    : [wordArm(whole, params, cols, join, filters)];
  if (t.words.length > 1) {
    // the lead: a card number, else the word with the fewest entries that names no rarity, else a rarity
    const plain = t.words
      .map((w, i) => i)
      .filter((i) => !idOf(t.words[i]!) && !raritiesNamed(t.words[i]!, t.rarities).length);
    const byId = t.words.findIndex((w) => idOf(w));
    const lead = byId >= 0 ? byId : (plain.sort((a, b) => t.counts[a]! - t.counts[b]!)[0] ?? 0);
    const w = t.words[lead]!;
    // ranked in the index: every word plain and few enough to be read whole, so no character is joined
    // (the word index holds the visible characters only)
    const inIndex =
      scored && plain.includes(lead) && t.words.every((o, i) => plain.includes(i) && t.counts[i]! <= WORD_SCAN_LIMIT);
    // another word with few entries (all of them read) filters in the index; a broad one on the rows found
    const others = inIndex
      ? []
      : t.words.flatMap((o, i) => {
          if (i === lead) return [];
          if (!plain.includes(i) || t.counts[i]! > WORD_SCAN_LIMIT) return [wordFilter(o, t, params)];
          return [
            `c.id IN (SELECT character_id FROM character_search_words WHERE word LIKE ${params.add(prefixOf(o))})`,
          ];
        });
    const and = `AND ${others.join(' AND ')}`;
    if (inIndex)
      arms.push(`(SELECT character_id AS id, 0.5::float8 AS score FROM (SELECT character_id FROM character_search_words
          WHERE word LIKE ${params.add(prefixOf(w))} LIMIT ${WORD_SCAN_LIMIT}) r
        WHERE ${t.words
          .flatMap((o, i) =>
            i === lead
              ? []
              : [
                  `character_id IN (SELECT character_id FROM character_search_words WHERE word LIKE ${params.add(prefixOf(o))})`,
                ],
          )
          .join(' AND ')}
        GROUP BY character_id LIMIT ${cap})`);
    else if (idOf(w))
      arms.push(`(SELECT ${score(0.5)} FROM characters c ${join} ${filters}
        AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${params.add(idOf(w))} ${and} LIMIT ${cap})`);
    else if (!plain.includes(lead))
      arms.push(`(SELECT ${score(0.5)} FROM characters c ${join} ${filters}
        AND c.rarity = ANY(${params.add(raritiesNamed(w, t.rarities))}::text[]) ${and} LIMIT ${cap})`);
    else arms.push(wordArm([prefixOf(w)], params, score(0.5), join, filters, and));
  } else {
    const rarities = raritiesNamed(t.text, t.rarities);
    if (rarities.length)
      arms.push(
        `(SELECT ${score(0)} FROM characters c ${join} ${filters} AND c.rarity = ANY(${params.add(rarities)}::text[]) LIMIT ${cap})`,
      );
  }
  const id = idOf(t.text);
  arms.push(`(SELECT ${score(2)} FROM characters c ${join} ${filters} AND c.name_search = ${params.add(t.text)})`);
  if (id)
    arms.push(`(SELECT ${score(4)} FROM characters c ${join} ${filters}
      AND coalesce(nullif(ltrim(c.source_id, '#0'), ''), '0') = ${params.add(id)})`);
  return arms.join(scored ? ' UNION ALL ' : ' UNION ');
}

/**
 * The anime titles at least TITLE_SIMILARITY similar to the whole query (with its spaces, or both without),
 * read nearest first from the distinct titles (migration search-anime-titles: a few thousand short rows
 * behind their own trigram indexes), with their characters from the word index (a title is one of its
 * entries). `text` is the query's parameter. Null when the query is too short to be typo-tolerant.
 */
function nearTitles(
  t: TextQuery,
  params: Params,
  text: string,
  cols: string,
  join: string,
  filters: string,
): string | null {
  const nospace = t.text.replace(/ /g, '');
  if (nospace.length < FUZZY_MIN_LENGTH) return null;
  const bare = params.add(nospace);
  // the nearest titles by each form (ordered index scans), kept when similar enough as a whole
  return `(SELECT ${cols}, a.near FROM (SELECT anime_search, near FROM (SELECT anime_search,
          greatest(similarity(${text}, anime_search), similarity(${bare}, replace(anime_search, ' ', ''))) AS near
        FROM ((SELECT anime_search FROM search_anime_titles ORDER BY ${text} <-> anime_search LIMIT ${NEAR_TITLE_LIMIT})
              UNION (SELECT anime_search FROM search_anime_titles
                      ORDER BY ${bare} <-> replace(anime_search, ' ', '') LIMIT ${NEAR_TITLE_LIMIT})) n) x
       WHERE near >= ${TITLE_SIMILARITY} ORDER BY near DESC, anime_search LIMIT ${NEAR_TITLE_LIMIT}) a
      JOIN character_search_words w ON w.word = left(a.anime_search, 200) COLLATE "C"
      JOIN characters c ON c.id = w.character_id ${join}
    ${filters} AND c.anime_search = a.anime_search ORDER BY a.near DESC LIMIT ${RANKED_MATCH_LIMIT + 1})`;
}

/**
 * Near misses of a multi-word search that matched nothing as typed ("kamori shna", "stami nrovel"): the
 * nearest anime titles (nearTitles), and the characters with one of its words as a whole word of their
 * name or alias (the first NEAR_SCAN_LIMIT such entries: a prefix range, "viro%", holds five times as
 * many) whose name is at least WORD_SIMILARITY similar to the whole query. `<%` (at the search's
 * FUZZY_WORD_SIMILARITY, below WORD_SIMILARITY) checks a row ten times faster than word_similarity()
 * computes it, so that the value is computed for the rows that pass only, once, and returned as `near`
 * for the ranking (see orderBy). Null for a single word (see nearTitleCandidates).
 */
function nearCandidates(
  s: CharacterSearch,
  t: TextQuery,
  params: Params,
  cols: string,
  join = '',
  skip?: 'anime' | 'rarity' | 'channel',
): string | null {
  if (t.words.length < 2) return null;
  const filters = buildWhere(s, params, null, skip);
  const text = params.add(t.text);
  const arms = [nearTitles(t, params, text, cols, join, filters) ?? ''];
  for (const [i, w] of t.words.entries()) {
    if (!t.counts[i]) continue;
    arms.push(`(SELECT ${cols}, z.near FROM (SELECT DISTINCT character_id FROM (SELECT character_id FROM character_search_words
          WHERE word = ${params.add(w)} AND in_name LIMIT ${NEAR_SCAN_LIMIT}) x) w
        JOIN characters c ON c.id = w.character_id ${join}
        CROSS JOIN LATERAL (SELECT CASE WHEN ${text} <% c.name_search
          THEN word_similarity(${text}, c.name_search) ELSE 0 END AS near) z
      ${filters} AND z.near >= ${WORD_SIMILARITY} LIMIT ${RANKED_MATCH_LIMIT + 1})`);
  }
  const sql = arms.filter(Boolean);
  return sql.length ? sql.join(' UNION ') : null;
}

/**
 * The nearest anime titles of a single word ("staminrovel"), after its substrings inside words (a piece
 * of a name is not a typo of a title) and before typos of every field by the search document.
 */
function nearTitleCandidates(
  s: CharacterSearch,
  t: TextQuery,
  params: Params,
  cols: string,
  join = '',
  skip?: 'anime' | 'rarity' | 'channel',
): string | null {
  if (t.words.length > 1) return null;
  return nearTitles(t, params, params.add(t.text), cols, join, buildWhere(s, params, null, skip));
}

/**
 * The ways a search is matched, cheapest and strictest first; a search uses the first that matches
 * anything: words as typed (word index), near misses of a multi-word query (anime titles and names), then
 * substrings inside words (the search document's trigram index), the nearest anime titles of one word,
 * and typos in longer words (the search document's trigram index).
 */
type CandidateArms = (
  s: CharacterSearch,
  t: TextQuery,
  params: Params,
  cols: string,
  join?: string,
  skip?: 'anime' | 'rarity' | 'channel',
) => string | null;
const MATCH_TIERS: CandidateArms[] = [
  wordCandidates,
  nearCandidates,
  (s, t, ...rest) => textCandidates(s, { ...t, fuzzy: false }, ...rest),
  nearTitleCandidates,
  (s, t, ...rest) =>
    t.words.some((w) => w.length >= FUZZY_MIN_LENGTH) || t.text.length >= FUZZY_MIN_LENGTH
      ? textCandidates(s, { ...t, fuzzy: true }, ...rest)
      : null,
];

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

/**
 * The longest the fallback tiers of one search (the search document's trigram index: substrings inside
 * words, typos) may run together: past it a tier counts as matching nothing, so that no search costs much
 * more than this.
 */
export const FALLBACK_TIMEOUT_MS = 100;

/**
 * A page of a text search: the candidates of the first tier that matches anything, ranked and cut to the
 * page, with the page's cards, in one statement per tier.
 */
async function textPage(
  q: Queryable,
  s: CharacterSearch,
  text: TextQuery,
  o: CharacterPageOptions,
): Promise<CharacterPageResult> {
  let items: GalleryItem[] = [];
  let matched: number | undefined;
  let tier: CandidateArms = MATCH_TIERS[0]!;
  const plain = !s.emojis?.length && !s.anime && !s.rarity && !s.channelId && !s.mine;
  const budget = { ms: FALLBACK_TIMEOUT_MS };
  for (const [i, arms] of MATCH_TIERS.entries()) {
    if (i === 0 && plain && o.sort === 'relevance') {
      // the common case: ranked inside the word index, only the page's characters are read
      const params = new Params();
      const sql = `WITH m AS (SELECT id, max(score) AS score FROM (${wordCandidates(s, text, params, '', '', undefined, true)}) x GROUP BY id),
        page AS (SELECT id, count(*) OVER ()::int AS n, row_number() OVER (ORDER BY score DESC, id DESC) AS pos
          FROM m ORDER BY score DESC, id DESC LIMIT ${params.add(o.perPage)} OFFSET ${params.add((o.page - 1) * o.perPage)})
        ${ITEMS_SELECT}, p.n FROM page p ${ITEMS_FROM} ORDER BY p.pos`;
      const rows = (await q.query(sql, params.values)).rows;
      items = rows.map(toGalleryItem);
      matched = rows[0]?.n;
      if (matched === undefined && o.page > 1) matched = await countCandidates(q, s, text, arms);
      if (matched) break;
      continue;
    }
    const params = new Params();
    const candidates = arms(s, text, params, sortColumns(o.sort), likesJoin(o.sort));
    if (!candidates) continue;
    tier = arms;
    const order = orderBy(
      s,
      o.sort,
      params,
      'c.likes',
      arms === wordCandidates ? true : arms === nearCandidates || arms === nearTitleCandidates ? 'near' : false,
    );
    const sql = `WITH page AS (SELECT c.id, count(*) OVER ()::int AS n, row_number() OVER (${order}) AS pos
        FROM (${candidates}) c ${order} LIMIT ${params.add(o.perPage)} OFFSET ${params.add((o.page - 1) * o.perPage)})
      ${ITEMS_SELECT}, p.n FROM page p ${ITEMS_FROM} ORDER BY p.pos`;
    const rows = i < 2 ? (await q.query(sql, params.values)).rows : await capped(q, sql, params.values, budget);
    items = rows.map(toGalleryItem);
    matched = rows[0]?.n;
    // a page past the last one: how many there are
    if (matched === undefined && o.page > 1) matched = await countCandidates(q, s, text, arms);
    if (matched) break;
  }
  matched ??= 0;
  const result = { items, total: matched, totalIsEstimate: false, next: null };
  if (matched <= RANKED_MATCH_LIMIT) return result;
  // more matches than are ranked: the planner's estimate, not a count of every one
  const words = tier === wordCandidates ? await wordEstimate(q, text) : null;
  if (words !== null) return { ...result, total: Math.max(matched, words), totalIsEstimate: true };
  const fuzzy = tier === MATCH_TIERS[MATCH_TIERS.length - 1];
  const { total, estimate } = await countMatches(q, s, { ...text, fuzzy }, matched, RANKED_MATCH_LIMIT);
  return { ...result, total, totalIsEstimate: estimate };
}

/** A fallback tier's statement within what is left of `budget` (ms, spent here): no rows when it runs past it. */
async function capped(
  q: Queryable,
  sql: string,
  params: unknown[],
  budget = { ms: FALLBACK_TIMEOUT_MS },
): Promise<any[]> {
  if (budget.ms < 1) return [];
  const started = performance.now();
  await q.query(`SAVEPOINT fallback; SET LOCAL statement_timeout = ${Math.ceil(budget.ms)}`);
  try {
    const r = await q.query(sql, params).finally(() => (budget.ms -= performance.now() - started));
    await q.query(`RELEASE SAVEPOINT fallback; SET LOCAL statement_timeout = ${TEXT_SEARCH_TIMEOUT_MS}`);
    return r.rows;
  } catch (err) {
    if ((err as { code?: string }).code !== '57014') throw err;
    // rolling back to the savepoint also restores the search's own timeout
    await q.query('ROLLBACK TO SAVEPOINT fallback');
    return [];
  }
}

/**
 * About how many characters match a search as typed: the planner's estimate of the entries of its rarest
 * word (an AND has at most that many), or null when every word names a rarity or a card number.
 */
async function wordEstimate(q: Queryable, t: TextQuery): Promise<number | null> {
  const plain = t.words.filter((w) => !idOf(w) && !raritiesNamed(w, t.rarities).length);
  if (!plain.length) return null;
  const rarest = plain.reduce((a, b) => (t.counts[t.words.indexOf(b)]! < t.counts[t.words.indexOf(a)]! ? b : a));
  // a single word's entries were counted already (up to WORD_SCAN_LIMIT): no planner round trip
  const counted = t.counts[t.words.indexOf(rarest)]!;
  if (t.words.length === 1 && counted <= WORD_SCAN_LIMIT) return counted;
  const plan = await q.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    'EXPLAIN (FORMAT JSON) SELECT 1 FROM character_search_words WHERE word LIKE $1',
    [prefixOf(t.words.length > 1 ? rarest : t.text)],
  );
  return Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows']);
}

/** How many candidates a search has in one tier (up to RANKED_MATCH_LIMIT + 1 per arm). */
async function countCandidates(q: Queryable, s: CharacterSearch, t: TextQuery, arms: CandidateArms): Promise<number> {
  const params = new Params();
  const candidates = arms(s, t, params, 'c.id');
  if (!candidates) return 0;
  const r = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${candidates}) m`, params.values);
  return r.rows[0]!.n;
}

/** The first tier of MATCH_TIERS with any match for this search (null when none has). */
async function matchingTier(q: Queryable, s: CharacterSearch, t: TextQuery): Promise<CandidateArms | null> {
  const budget = { ms: FALLBACK_TIMEOUT_MS };
  for (const [i, arms] of MATCH_TIERS.entries()) {
    const params = new Params();
    const candidates = arms(s, t, params, 'c.id');
    if (!candidates) continue;
    const sql = `SELECT 1 FROM (${candidates}) m LIMIT 1`;
    const rows = i < 2 ? (await q.query(sql, params.values)).rows : await capped(q, sql, params.values, budget);
    if (rows.length) return arms;
  }
  return null;
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
  const unfiltered = !s.emojis?.length && !s.anime && !s.rarity && !s.channelId && !s.mine;
  const skip = (o.page - 1) * o.perPage;
  // a numbered page of the whole gallery: a seek to its minute by the per-minute counts (see timeJump)
  const jump = keyset && !after && unfiltered && skip > 0 ? timeJump(params, skip) : null;
  const offset = after ? '0' : (jump?.offset ?? params.add(skip));
  // only index columns per skipped row (its creation time in µs is read for the last row alone)
  const r = await q.query<{ id: string }>(
    `${jump?.with ?? ''} SELECT c.id FROM characters c ${likesJoin(o.sort)} ${where}${after}${jump?.and ?? ''} ${order}
      LIMIT ${params.add(o.perPage)} OFFSET ${offset}`,
    params.values,
  );
  const { total, estimate } = unfiltered ? await galleryTotal(q) : await countMatches(q, s, null);
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

/**
 * The seek of a numbered page in the newest-first order of the whole gallery (migration
 * gallery-position-counts): the hour holding the `skip`-th visible character by the running sum of the
 * hour counts, then its minute by the minute counts of that hour; the page starts that many rows into the
 * minute. One statement, so that the counts and the rows are read from one snapshot (they commit together).
 */
function timeJump(params: Params, skip: number): { with: string; and: string; offset: string } {
  const n = params.add(skip);
  return {
    with: `WITH hours AS (SELECT bucket, n, sum(n) OVER (ORDER BY bucket DESC) AS upto FROM gallery_time_counts WHERE level = 2),
      hour AS (SELECT bucket, upto - n AS before FROM hours WHERE upto > ${n}::bigint ORDER BY bucket DESC LIMIT 1),
      minutes AS (SELECT g.bucket, g.n, h.before + sum(g.n) OVER (ORDER BY g.bucket DESC) AS upto
                    FROM hour h JOIN gallery_time_counts g ON g.level = 1 AND g.bucket >= h.bucket * 60 AND g.bucket < h.bucket * 60 + 60),
      minute AS (SELECT bucket, upto - n AS before FROM minutes WHERE upto > ${n}::bigint ORDER BY bucket DESC LIMIT 1)`,
    and: ` AND c.created_at < (SELECT to_timestamp((bucket + 1) * 60.0) FROM minute)`,
    offset: `(SELECT ${n}::bigint - before FROM minute)`,
  };
}

/** The number of visible characters, exact, from the per-hour counts (a few thousand rows at most). */
async function galleryTotal(q: Queryable): Promise<{ total: number; estimate: boolean }> {
  const r = await q.query<{ n: string }>(
    'SELECT coalesce(sum(n), 0)::bigint::text AS n FROM gallery_time_counts WHERE level = 2',
  );
  return { total: Number(r.rows[0]!.n), estimate: false };
}

/** The columns of a gallery card (`c` a character; ITEMS_FROM joins its current artwork and likes). */
const ITEMS_SELECT = `SELECT ${CHARACTER_SELECT}, a.id AS a_id, a.file_path, a.thumb_path, a.sha256, a.thumb_widths, a.width,
    a.height, a.bytes, a.mime, coalesce(lc.likes, 0) AS likes, ${ARTWORK_COUNT_SELECT}`;
const ITEMS_FROM = `JOIN characters c ON c.id = p.id LEFT JOIN artworks a ON a.character_id = c.id AND a.is_current
    LEFT JOIN character_like_counts lc ON lc.character_id = c.id`;
const toGalleryItem = (r: any): GalleryItem => ({
  ...toCharacter(r),
  artwork: toListArtwork(r),
  likes: r.likes,
  artworkCount: r.artwork_count ?? 0,
});

/** The gallery cards of `ids`, in that order. */
async function pageItems(q: Queryable, ids: string[]): Promise<GalleryItem[]> {
  if (!ids.length) return [];
  const rows = await q.query(
    `${ITEMS_SELECT} FROM unnest($1::bigint[]) WITH ORDINALITY p(id, pos) ${ITEMS_FROM} ORDER BY p.pos`,
    [ids],
  );
  return rows.rows.map(toGalleryItem);
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
  const text = await textQuery(q, s);
  // the same matches as the search's pages: the first tier that matches anything
  const arms = text ? await matchingTier(q, s, text) : null;
  if (text && !arms) return { anime: [], rarity: [], channel: [] };
  const fallback = arms !== null && MATCH_TIERS.indexOf(arms) >= 2;
  const run = async (skip: 'anime' | 'rarity' | 'channel', select: string, group: string, join = '') => {
    const params = new Params();
    // with text, the counts are over the search's candidates (all of them unless it is a broad query)
    const from =
      text && arms
        ? `(${arms(s, text, params, 'c.id', '', skip) ?? 'SELECT NULL::bigint AS id WHERE false'}) m JOIN characters c ON c.id = m.id ${join} WHERE true`
        : `characters c ${join} ${buildWhere(s, params, null, skip)}`;
    const sql = `SELECT ${select}, count(DISTINCT c.id)::int AS count FROM ${from} AND ${group} IS NOT NULL
        GROUP BY ${group} ORDER BY count DESC, 2 LIMIT ${params.add(limit)}`;
    const rows = fallback ? await capped(q, sql, params.values) : (await q.query(sql, params.values)).rows;
    return rows.map((row) => ({ value: String(row.value), label: row.label, count: row.count }));
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
export async function didYouMean(db: Queryable | Db, text: string): Promise<string | null> {
  if (text.length < 3) return null;
  // pg_trgm's default thresholds here (not the search's), under the fallback cap
  const run = async (q: Queryable) =>
    ((await capped(q, SUGGEST_SQL, [text, SUGGEST_SIMILARITY]))[0]?.value as string | undefined) ?? null;
  return 'transaction' in db ? db.transaction(run) : run(db);
}

/** The trigram candidates of "did you mean" (capped like a fallback tier: a slow guess is no guess). */
const SUGGEST_SQL = `SELECT value FROM (
       SELECT c.name AS value, greatest(similarity($1, c.name_search), word_similarity($1, c.name_search),
                                        similarity(replace($1, ' ', ''), replace(c.name_search, ' ', ''))) AS s
         FROM characters c
        WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.name IS NOT NULL
          AND ($1 % c.name_search OR $1 <% c.name_search OR replace($1, ' ', '') % replace(c.name_search, ' ', ''))
       UNION ALL
       SELECT c.anime, greatest(similarity($1, c.anime_search), word_similarity($1, c.anime_search))
         FROM characters c
        WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.anime IS NOT NULL AND ($1 % c.anime_search OR $1 <% c.anime_search)
     ) x WHERE s >= $2 ORDER BY s DESC, length(value), value LIMIT 1`;

export interface Suggestion {
  value: string;
  count: number;
}

/** The most word-index entries autocomplete reads for one prefix (a broad one is cut, not scanned). */
const SUGGEST_SCAN_LIMIT = 2_000;

/**
 * Autocomplete: names and anime titles that start with (a word of) `text`, from the word index, with
 * counts; when none does, the nearly matching ones (trigram similarity, under the fallback cap). A title's
 * count is its number of characters (its entries in the word index); a name's is among what was read.
 */
export async function suggestNames(
  db: Queryable | Db,
  text: string,
  limit = 6,
): Promise<{ names: Suggestion[]; anime: Suggestion[] }> {
  if (text.length < 2) return { names: [], anime: [] };
  const prefix = prefixOf(text);
  const nospace = prefixOf(text.replace(/ /g, ''));
  const typed = async (q: Queryable, col: 'name' | 'anime') => {
    const r = await q.query<{ value: string; count: number }>(
      `WITH hits AS (SELECT DISTINCT character_id AS id FROM (
           (SELECT character_id FROM character_search_words WHERE word LIKE $1 LIMIT ${SUGGEST_SCAN_LIMIT})
           UNION ALL (SELECT character_id FROM character_search_words WHERE word LIKE $2 LIMIT ${SUGGEST_SCAN_LIMIT})) x),
         found AS (SELECT c.${col} AS value, min(c.${col}_search) AS key, count(*)::int AS count,
                          bool_or(c.${col}_search LIKE $1) AS starts
             FROM hits h JOIN characters c ON c.id = h.id
            WHERE c.${col} IS NOT NULL AND (c.${col}_search LIKE $1 OR c.${col}_search LIKE '% ' || $1
                  OR replace(c.${col}_search, ' ', '') LIKE $2)
            GROUP BY c.${col})
       SELECT value, ${col === 'anime' ? '(SELECT count(*)::int FROM character_search_words x WHERE x.word = f.key)' : 'count'} AS count
         FROM found f ORDER BY starts DESC, 2 DESC, value LIMIT $3`,
      [prefix, nospace, limit],
    );
    return r.rows;
  };
  const near = async (q: Queryable, col: 'name' | 'anime') =>
    (await capped(
      q,
      `SELECT c.${col} AS value, count(*)::int AS count FROM characters c
        WHERE NOT c.hidden AND c.deleted_at IS NULL AND c.${col} IS NOT NULL AND $1 <% c.${col}_search
        GROUP BY c.${col} ORDER BY max(word_similarity($1, c.${col}_search)) DESC, count DESC, c.${col} LIMIT $2`,
      [text, limit],
    )) as Suggestion[];
  return withSearchSettings(db, async (q) => {
    const names = await typed(q, 'name');
    const anime = await typed(q, 'anime');
    if (names.length || anime.length) return { names, anime };
    return { names: await near(q, 'name'), anime: await near(q, 'anime') };
  });
}
