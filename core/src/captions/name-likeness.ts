// Which side of "A - B" is the character? A personal name is one to three capitalised name-like
// tokens; a title shows signs a name never has: function words ("of", "no", "the"), ":" subtitles,
// "-a-" compounds, digits, "!", or words that title series ("Academia", "Slayer", "Online").
// Used alone for a single caption, and as a tie-breaker under the channel statistics.
import type { ChannelContext } from './channel-context.js';
import { KNOWN_TITLES, titleKey } from './known-titles.js';

const FUNCTION_WORDS = new Set(
  (
    'of no the to wa ga wo ni de a an in on at and or kara is are with from for my your i me we you it ' +
    'this that into ore boku watashi koi ai'
  ).split(' '),
);
// Nouns that end or make up series titles far more often than personal names.
const TITLE_WORDS = new Set(
  (
    'academia academy adventure adventures alchemist slayer titan titans piece online impact story stories chronicle ' +
    'chronicles saga legend legends world worlds war wars kingdom academy school club quest fantasy hunter hunters ' +
    'girls boys man men days life love diaries diary tales tale rail kaisen gakuen monogatari senki sekai densetsu ' +
    'shoujo shounen shonen bizarre evangelion geass gate notebook city ' +
    'blade blades sword swords magic magical knight knights clover ball lock ' +
    'leveling punch alliance project arena island islands season revolution ghoul ghouls jutsu kyojin ' +
    'attack family darling classroom elite lovers detective bunny restaurant invasion ' +
    'apothecary frontier machine machines mobile suit gundam railway records'
  ).split(' '),
);

/** Positive: looks like a title; negative: looks like a personal name; about 0: no evidence. */
export function titleScore(raw: string, known?: ReadonlySet<string> | null): number {
  const s = raw.trim();
  if (!s) return 0;
  const key = titleKey(s);
  if (known?.has(key) || KNOWN_TITLES.has(key)) return 6;
  let score = 0;
  if (/[:/;!?&]|\d/u.test(s)) score += 2;
  if (/\p{L}-(?:a|no|to|wa|de)-\p{L}/iu.test(s)) score += 2;
  const words = s.split(/\s+/);
  if (words.length >= 4) score += 2;
  for (const w of words) {
    const lw = w.toLowerCase().replace(/[^\p{L}-]/gu, '');
    if (FUNCTION_WORDS.has(lw)) score += 2;
    else if (TITLE_WORDS.has(lw)) score += 1.5;
  }
  // One to three capitalised name-like tokens (Jean-Pierre, O'Neil, C.C.).
  if (score === 0 && words.length <= 3 && words.every((w) => /^\p{Lu}[\p{L}'’.-]*$/u.test(w))) score = -1;
  return score;
}

export interface PairOrder {
  swap: boolean;
  /** Evidence strength: 0 none … 1 clear. */
  certainty: number;
}

/** Decide "name - anime" (swap false) or "anime - name" (swap true) for one caption alone. */
export function orderByNameLikeness(left: string, right: string, known?: ReadonlySet<string> | null): PairOrder {
  const l = titleScore(left, known);
  const r = titleScore(right, known);
  const margin = l - r;
  // Swap only when the left looks like a title and the right does not: the written convention is name first.
  if (l >= 2 && r <= 0.5) return { swap: true, certainty: Math.min(1, margin / 4) };
  return { swap: false, certainty: Math.min(1, Math.max(0, -margin) / 4) };
}

/** Which way one caption's two parts go, given the channel (or nothing). */
export function orderPair(
  leftRaw: string,
  rightRaw: string,
  ctx?: ChannelContext | null,
): { swap: boolean; certainty: number } {
  if (ctx) {
    const l = titleKey(leftRaw);
    const r = titleKey(rightRaw);
    const la = ctx.anime.has(l);
    const ra = ctx.anime.has(r);
    if (la !== ra) return { swap: la, certainty: 0.9 };
    const ln = ctx.names.has(l);
    const rn = ctx.names.has(r);
    if (ln !== rn) return { swap: rn, certainty: 0.8 };
    if (ctx.order) return { swap: ctx.order === 'series_first', certainty: ctx.certainty };
  }
  return orderByNameLikeness(leftRaw, rightRaw, ctx?.anime);
}
