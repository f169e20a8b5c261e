// Hand-written captions (family R) and unlabelled line layouts: "Name - Anime", "Name | Anime",
// "Name (Anime)", "Name from Anime", two bare lines, a lone name. Low confidence by design.
import { bareRarity, type Line } from '../lines.js';
import { EMOJI_PIECE, LEAD_EMOJI_RE, stripLeadDecor, stripTrailingEmoji } from '../unicode.js';
import { cleanAnime, cleanId, cleanName, cleanRarity, joinCharacters } from '../values.js';
import { emptyCandidate, type Candidate } from './candidate.js';
import { splitFrom } from './sentences.js';
import type { ChannelContext } from '../channel-context.js';
import { orderPair } from '../name-likeness.js';

// Spaced separators only: a bare "-", ":" or "/" belongs to values (Jean-Pierre, Re:Zero, Fate/stay).
const SEPARATORS = [' | ', ' — ', ' – ', ' - ', ' • ', ' · ', ' ~ ', ' // '];
const CREDIT_RE = /@\w|https?:|\bby\s|^(?:art|artist|source|sauce|credit|credits|pixiv|twitter)\b|🎨/iu;
const PAREN_RE = /^(.{1,80}?)\s*\(([^()]{1,120})\)$/u;
const SQUARE_TITLE_RE = /^(.{1,80}?)\s*\[([^[\]]{1,120})\]$/u;
const ID_PART_RE = /^(?:id\s*[:.]?\s*)?[#№]\s*\d{1,9}$|^\d{1,9}$/iu;
// "#512 Yor Forger": a card number written before the name.
const LEADING_ID_RE = /^[#№](\d{1,9})\s+(?=\p{L})/u;
const QUOTED_TITLE_RE = /^([^「『]{1,80}?)\s*[「『]([^「」『』]{1,120})[」』]$/u;
const EMOJI_SEP_RE = new RegExp(`^([^${EMOJI_PIECE}]{1,80}?)\\s+[${EMOJI_PIECE}]+\\s+([^${EMOJI_PIECE}]{1,120})$`, 'u');
// "Nezuko and Tanjiro": two capitalised names joined by "and" are two characters.
const AND_NAMES_RE = /^(\p{Lu}\S*(?:\s\p{Lu}\S*){0,2})\s+and\s+(\p{Lu}\S*(?:\s\p{Lu}\S*){0,2})$/u;

function joinNames(name: string): string {
  const m = AND_NAMES_RE.exec(name);
  return joinCharacters(m ? `${m[1]} & ${m[2]}` : name);
}
// Words that make a line a sentence (announcement, promo, note) rather than a name.
const SENTENCE_WORDS = new Set(
  (
    "is are was were be been will would can could should please dont don't do does did join use for with your you " +
    'our we i my me this that here now started starts ends begin resume resumes tomorrow today maintenance ' +
    'update updates welcome follow subscribe channel group bot hours days drop drops total repost reposting ' +
    'giveaway announcement notice original thanks thank check click link free top collectors leaderboard ' +
    'ranking stats good night morning happy everyone guys hello merry birthday has have appeared guess catch ' +
    'grab character characters'
  ).split(' '),
);

export function isNameLike(s: string): boolean {
  if (s.length > 80 || !/\p{L}/u.test(s)) return false;
  // ". " ends a sentence, but "Monkey D. Luffy" has an initial.
  if (/@\w|https?:|\p{Ll}{3}\.\s|[!?:]\s*$|\p{Ll}{3}\.$/u.test(s)) return false;
  const words = s
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (words.length > 7) return false;
  return !words.some((w) => SENTENCE_WORDS.has(w.replace(/[^\p{L}']/gu, '')));
}

/** Split one line into name/anime on a spaced separator, "from" or a trailing "(Anime)". */
export interface FreeformSplit {
  name: string | null;
  anime: string | null;
  sep: string;
  /** Trailing parts after name and anime that read as a rarity or an id ("A | B | 🟡 Legendary | #512"). */
  extras?: { rarity?: string; sourceId?: string };
  /** The two raw parts of a separator split, in caption order (for the order decision). */
  parts?: [string, string];
}

export function splitFreeform(text: string): FreeformSplit | null {
  const from = splitFrom(text);
  if (from && isNameLike(from.name)) return { ...from, sep: 'from' };
  for (const sep of SEPARATORS) {
    if (!text.includes(sep)) continue;
    const parts = text
      .split(sep)
      .map((p) => p.trim())
      .filter((p) => /[\p{L}\p{N}]/u.test(p) && !CREDIT_RE.test(p));
    if (!parts.length) return { name: null, anime: null, sep };
    // "Rem (Re:Zero) - by @artist": the credit is gone, the rest may still have a shape.
    if (parts.length === 1 && parts[0] !== text) {
      const inner = splitFreeform(parts[0]!);
      if (inner) return inner;
    }
    // A leading or trailing part that is only an id or a rarity is data, not the name or the series.
    const extras: NonNullable<FreeformSplit['extras']> = {};
    const takeExtra = (part: string): boolean => {
      if (!extras.sourceId && ID_PART_RE.test(part)) extras.sourceId = cleanId(part) ?? undefined;
      else if (!extras.rarity && bareRarity(stripLeadDecor(part))) extras.rarity = part;
      else return false;
      return true;
    };
    while (parts.length > 2 && takeExtra(parts[parts.length - 1]!)) parts.pop();
    while (parts.length > 2 && takeExtra(parts[0]!)) parts.shift();
    const res: FreeformSplit = { name: cleanName(parts[0]).value, anime: parts[1] ? cleanAnime(parts[1]) : null, sep };
    if (extras.rarity || extras.sourceId) res.extras = extras;
    if (parts.length === 2) res.parts = [parts[0]!, parts[1]!];
    return res;
  }
  const bare = stripTrailingEmoji(text).trim();
  const p = PAREN_RE.exec(bare);
  if (p && /\p{Script=Latin}/u.test(p[2]!) && !/^\s*[x×]?\d/.test(p[2]!)) {
    return { name: cleanName(p[1]).value, anime: cleanAnime(p[2]), sep: '()' };
  }
  // "Yor Forger [Spy x Family]": square brackets after a name hold its series.
  const sq = SQUARE_TITLE_RE.exec(bare);
  if (sq && /\p{L}/u.test(sq[2]!) && !/^\s*[x×]?\d+\s*$/u.test(sq[2]!)) {
    return { name: cleanName(sq[1]).value, anime: cleanAnime(sq[2]), sep: '[]' };
  }
  // "Saber 「Fate/Zero」": corner brackets quote a title (【】 stay: they are part of 【推しの子】).
  const q = QUOTED_TITLE_RE.exec(bare);
  if (q) return { name: cleanName(q[1]).value, anime: cleanAnime(q[2]), sep: '「」' };
  // Last resort: one spaced emoji between two name-like halves ("Hinata Hyuga 🌸 Naruto").
  const e = EMOJI_SEP_RE.exec(bare);
  if (e && isNameLike(e[1]!) && isNameLike(e[2]!))
    return { name: cleanName(e[1]).value, anime: cleanAnime(e[2]), sep: 'emoji' };
  return null;
}

/**
 * The two free parts of a free-form caption ("A - B" on one line, or two bare lines), raw and in
 * caption order; null for any other shape. The channel statistics are gathered over these.
 */
export function freeformPair(lines: readonly Line[]): [string, string] | null {
  if (lines.some((l) => l.kind === 'label' || l.kind === 'idName' || l.kind === 'emojiLabel')) return null;
  const content = lines.filter((l) => l.kind === 'plain');
  const first = content[0];
  if (!first) return null;
  const split = splitFreeform(first.text);
  if (split) return split.parts && split.sep !== 'from' ? split.parts : null;
  const second = content[1];
  if (!second || content.length > 3) return null;
  const a = cleanName(first.text).value;
  const b = cleanAnime(second.text);
  return a && b && (isNameLike(a) || isNameLike(b)) ? [a, b] : null;
}

// Words of promos and notices: a line carrying one is never the series side of a swapped pair.
const PROMO_WORDS = new Set(
  (
    "join please dont don't subscribe follow click link channel group bot maintenance update updates welcome giveaway " +
    'announcement notice thanks thank hello everyone guys today tomorrow drop drops started starts ends begin resume ' +
    'resumes hours repost reposting leaderboard ranking stats total guess appeared use'
  ).split(' '),
);

function titleOk(s: string): boolean {
  if (s.length > 120 || /@\w|https?:/u.test(s)) return false;
  return !s
    .toLowerCase()
    .split(/\s+/)
    .some((w) => PROMO_WORDS.has(w.replace(/[^\p{L}']/gu, '')));
}

/**
 * The free lines of a caption. When every line is wrapped in emoji ("💫 Nami 💫 / 📺 One Piece 📺"), those
 * lines are the data, not costume tags beside it.
 */
function contentLines(lines: readonly Line[]): Line[] {
  const plain = lines.filter((l) => l.kind === 'plain');
  if (plain.length) return plain;
  return lines
    .filter((l) => l.kind === 'event')
    .map((l) => ({ ...l, kind: 'plain' as const, text: stripTrailingEmoji(l.text.replace(LEAD_EMOJI_RE, '')).trim() }))
    .filter((l) => l.text);
}

export function extractFreeform(lines: readonly Line[], ctx?: ChannelContext | null): Candidate | null {
  const content = contentLines(lines);
  const c = emptyCandidate('freeform', 0.65);
  const rl = lines.find((l) => l.kind === 'rarityLike');
  if (rl) {
    const r = cleanRarity(rl.text);
    c.rarity = r.rarity;
    c.rarityEmoji = r.emoji;
  }
  const first = content[0];
  // A lone rarity line is data; several are a rarity-table help post.
  const rarityLines = lines.filter((l) => l.kind === 'rarityLike').length;
  if (!first) return c.rarity && rarityLines === 1 ? { ...c, confidence: 0.3 } : null;
  const split = splitFreeform(first.text);
  if (split) {
    let { name, anime } = split;
    let certainty = 1;
    if (anime && split.parts && split.sep !== 'from') {
      const o = orderPair(name ?? split.parts[0], anime, ctx);
      certainty = o.certainty;
      if (o.swap && titleOk(split.parts[0])) {
        name = cleanName(split.parts[1]).value;
        anime = cleanAnime(split.parts[0]);
      }
    }
    const lead = name ? LEADING_ID_RE.exec(name) : null;
    if (lead) {
      name = name!.slice(lead[0].length);
      c.sourceId = lead[1]!;
    }
    // The line has a separator shape: either its halves are usable or the line is not a name.
    if (!name || !isNameLike(name)) return null;
    c.name = joinNames(name);
    c.anime = anime;
    if (split.extras?.sourceId) c.sourceId ??= split.extras.sourceId;
    if (split.extras?.rarity && !c.rarity) {
      const r = cleanRarity(split.extras.rarity);
      c.rarity = r.rarity;
      c.rarityEmoji = r.emoji;
    }
    if (!c.anime) c.confidence = 0.5;
    else c.confidence = reviewBelow(c.confidence, certainty, name !== split.name);
    return c;
  }
  const second = content[1];
  const firstName = cleanName(first.text);
  let nameLine = first.text;
  let animeLine = second?.text ?? null;
  let certainty = 0;
  if (second) {
    // Two bare lines: name then anime by convention; the channel or the titles may say otherwise.
    const o = orderPair(firstName.value ?? first.text, cleanAnime(second.text) ?? second.text, ctx);
    certainty = o.certainty;
    if (o.swap && titleOk(first.text)) [nameLine, animeLine] = [second.text, first.text];
  }
  const n = nameLine === first.text ? firstName : cleanName(nameLine);
  if (!n.value || !isNameLike(n.value)) return null;
  c.name = joinNames(n.value);
  c.variant = n.variant;
  c.family = 'positional';
  if (animeLine !== null) {
    c.anime = cleanAnime(animeLine);
    const third = content[2];
    if (c.rarity === null && third && bareRarity(third.text)) c.rarity = cleanRarity(third.text).rarity;
    const bare = lines.find((l) => l.kind === 'bareId');
    if (bare) c.sourceId = cleanId(bare.id);
    c.confidence = c.rarity && c.sourceId ? 0.65 : 0.45;
    // Two bare lines stay below review unless the channel settles which one is the series.
    if (ctx && certainty >= 0.5) c.confidence = 0.65;
    else c.confidence = reviewBelow(c.confidence, certainty, nameLine !== first.text);
  } else {
    c.confidence = 0.4;
    if (n.colour && !c.rarity) {
      c.rarity = n.colour;
      c.rarityEmoji = n.colour;
    }
  }
  return c;
}

/** Thin evidence for the order: an admin should confirm which side is the character. */
function reviewBelow(confidence: number, certainty: number, swapped: boolean): number {
  if (certainty < 0.25) return Math.min(confidence, 0.5);
  if (swapped && certainty < 0.5) return Math.min(confidence, 0.55);
  return confidence;
}
