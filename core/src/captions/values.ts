// Value cleaners. Each is idempotent (cleaning a cleaned value changes nothing), which the
// property test relies on.
import {
  COLOUR_EMOJI_RE,
  HAS_LETTER_OR_DIGIT_RE,
  LEAD_DECOR_RE,
  LEAD_EMOJI_RE,
  ONLY_EMOJI_RE,
  collapseSpaces,
  isUniformCase,
  stripTrailDecor,
  stripTrailingEmoji,
  titleCase,
  trailingEmoji,
  trimSet,
} from './unicode.js';

const NULL_WORDS = new Set(['none', 'null', 'n/a', 'na', 'unknown', 'undefined', 'nil', '-', '?', '…', '...']);

// Trailing "[👘]", "[]", "(x3)", "×2", "x2", "(12/140)" and decoration; looped until stable.
const TRAIL_TAG_RE = /\s*\[[^\p{L}\p{N}[\]]{0,16}\]\s*$/u;
const TRAIL_COUNT_RE =
  /\s*(?:\(\s*[x×]\s*\d{1,6}\s*\)|\[\s*[x×]\s*\d{1,6}\s*\]|[×]\s*\d{1,6}|\bx\d{1,6}|\(\s*\d{1,6}\s*\/\s*\d{1,6}\s*\))\s*$/iu;
// Update markers bots append to a re-posted name: "Marin Kitagawa (UPDATED)".
const TRAIL_NOTE_RE = /\s*[([](?:updated|new|edited|added|renamed|changed)[)\]]\s*$/iu;
// pixiv-style album page after a title/name: "Rem 1/3".
const TRAIL_PAGE_RE = /\s+\d{1,3}\/\d{1,3}$/;
const CLOSERS = new Set([...'」』】〕》] ']);
// "(夜神月)" after a Latin name: an alias in another script, not part of the name.
const TRAIL_ALIAS_RE = /\s*\(([^()\p{Script=Latin}]{1,40})\)\s*$/u;
const QUOTES = new Set([...'"\'“”‘’`']);

function unquote(s: string): string {
  return trimSet(s.trim(), QUOTES);
}

/** Strip wrapping quotes and leading decoration, alternately, until neither changes anything. */
function leadClean(s: string): string {
  for (let i = 0; i < 4; i++) {
    const t = unquote(s).replace(LEAD_DECOR_RE, '');
    if (t === s) break;
    s = t;
  }
  return s;
}

export interface CleanName {
  value: string | null;
  variant: string | null;
  /** A trailing colour emoji (🟠) that may be the only rarity marker. */
  colour: string | null;
}

function unbalancedCloser(s: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === open) depth++;
    else if (ch === close) depth--;
  }
  return depth < 0;
}

function isNullWord(s: string): boolean {
  // No null word is longer than "undefined": skip the lower-casing for real values.
  return (s.length <= 9 && NULL_WORDS.has(s.toLowerCase())) || !HAS_LETTER_OR_DIGIT_RE.test(s);
}

export function cleanName(raw: string | null | undefined, opts: { dropAlias?: boolean } = {}): CleanName {
  const res: CleanName = { value: null, variant: null, colour: null };
  if (!raw) return res;
  let s = leadClean(collapseSpaces(raw));
  // Fast path: a value ending in a letter has no tag, count, emoji or decoration to strip.
  const fast = /[\p{L}.!?'’]$/u.test(s) && !/[\p{L}]\s+x\d|\bx$/u.test(s);
  for (let i = 0; i < 8 && !fast; i++) {
    const before = s;
    const tag = TRAIL_TAG_RE.exec(s);
    if (tag) {
      const inner = tag[0].trim().slice(1, -1).trim();
      if (inner && !res.variant) res.variant = inner;
      s = s.slice(0, tag.index);
    }
    const em = trailingEmoji(s);
    if (em) {
      if (COLOUR_EMOJI_RE.test(em.emoji)) res.colour ??= em.emoji;
      else res.variant ??= em.emoji;
      s = s.slice(0, em.index);
    }
    s = stripTrailDecor(s.replace(TRAIL_COUNT_RE, '').replace(TRAIL_PAGE_RE, '').replace(TRAIL_NOTE_RE, ''));
    if (unbalancedCloser(s, '(', ')')) s = s.replace(/\s*\)\s*$/, '');
    if (/[」』】]\s*$/.test(s) && !/[「『【]/.test(s)) s = trimSet(s, CLOSERS, false, true);
    if (opts.dropAlias !== false) s = s.replace(TRAIL_ALIAS_RE, '');
    s = unquote(s);
    if (s === before) break;
  }
  if (!s || isNullWord(s)) return res;
  res.value = s;
  return res;
}

export function cleanAnime(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let s = leadClean(collapseSpaces(raw));
  // Fast path: a value ending in a letter or digit (and no "x2" count) has nothing to strip.
  const fast = /[\p{L}\p{N}.!?'’]$/u.test(s) && !/[x×]\s*\d{1,6}$/iu.test(s) && !/^["'“‘`]/u.test(s);
  for (let i = 0; i < 6 && !fast; i++) {
    const before = s;
    s = stripTrailingEmoji(s)
      .replace(TRAIL_COUNT_RE, '')
      .replace(/\s*[|•·,;]+$/u, '');
    if (unbalancedCloser(s, '(', ')')) s = s.replace(/\s*\)\s*$/, '');
    s = unquote(s);
    if (s === before) break;
  }
  return s && !isNullWord(s) ? s : null;
}

export interface CleanRarity {
  rarity: string | null;
  emoji: string | null;
}

/** Rarity text without its emoji; uniform-case (incl. folded small caps) values are title-cased. */
export function cleanRarity(raw: string | null | undefined, prefix = ''): CleanRarity {
  const prefixEmoji = LEAD_EMOJI_RE.exec(prefix.replace(/^[^\p{Extended_Pictographic}]+/u, ''))?.[0].trim() || null;
  if (!raw) return { rarity: prefixEmoji, emoji: prefixEmoji };
  let s = collapseSpaces(unquote(raw));
  if (unbalancedCloser(s, '(', ')')) s = s.replace(/\s*\)\s*$/, '');
  let valueEmoji: string | null = null;
  const lead = LEAD_EMOJI_RE.exec(s);
  if (lead) {
    valueEmoji = lead[0].trim().split(/\s+/).pop() ?? null;
    s = s.slice(lead[0].length);
  }
  s = stripTrailingEmoji(s)
    .replace(/^[\s:•·\-–—|]+/u, '')
    .trim();
  // "(🐦 RARITY: 🔥 Exotic)": a ZWJ emoji cut in half by the bot's rarity[0]/rarity[2:] slicing.
  let emoji = valueEmoji ?? prefixEmoji;
  if (valueEmoji && prefixEmoji && prefix.includes('(')) emoji = `${prefixEmoji}\u200D${valueEmoji}`;
  if (!s || ONLY_EMOJI_RE.test(s)) return { rarity: emoji, emoji };
  if (NULL_WORDS.has(s.toLowerCase())) return { rarity: null, emoji };
  // Uniform case is title-cased (ʟᴇɢᴇɴᴅᴀʀʏ, legendary, LIMITED EDITION) — except acronyms (AMV, SSR).
  const acronym = /^\p{Lu}{2,4}$/u.test(s);
  return { rarity: isUniformCase(s) && !acronym ? titleCase(s) : s, emoji };
}

/** The id digits of a labelled id value: "`3`", "#0457", "1207". Leading zeros kept. */
export function cleanId(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const m = /^[#№]?\s*(\d{1,12})(?![\d.,/])/.exec(unquote(raw).trim());
  return m ? m[1]! : null;
}

/** "Rem & Ram" → "Rem, Ram" (multi-character convention). */
export function joinCharacters(name: string): string {
  return name
    .split(/\s+[&+]\s+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .join(', ');
}
