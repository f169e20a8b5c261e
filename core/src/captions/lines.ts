// Splits a normalized caption into classified lines. Every test here is anchored or a bounded
// class, so classification is linear in the caption length.
import { GENERIC_LABEL_RE, matchLabel, type LabelHit } from './labels.js';
import { COLOUR_EMOJI_RE, HAS_LETTER_RE, HAS_PICTO_RE, LEAD_EMOJI_RE, ONLY_EMOJI_RE, TRAIL_EMOJI_RE, stripLeadDecor } from './unicode.js';

export type LineKind =
  | 'blank' | 'label' | 'weakLabel' | 'emojiLabel' | 'idName' | 'header' | 'noise' | 'event'
  | 'rarityLike' | 'bareId' | 'hashtags' | 'plain';

export interface Line {
  index: number;
  text: string;
  kind: LineKind;
  label?: LabelHit;
  /** idName / emojiLabel / bareId payloads. */
  id?: string;
  name?: string;
  emoji?: string;
  value?: string;
  /** Produced by splitting a compact one-line caption. */
  split?: boolean;
}

// Header phrases of bot templates (FORMATS §2): matched on the folded, lower-cased line.
const HEADER_RE = /check out this|look (?:at|out) this|take a look|new (?:character|card|waifu|husbando)s? added|added (?:a )?new (?:character|card|waifu|husbando)|added character|character (?:details|info|database|unlocked|card)|global character|card drop|you rolled|you grabbed|grabbed a new|congratulations|successfully|['’]s (?:character|waifu|husbando)\b|name changed|\.{3,}\s*!+$/;
const HEADER_KEYWORD_RE = /\b(?:character|waifu|husbando|card|catcher|grabber|database|collection)s?\b/;
// Lines that are never data: uploader credits, counters, leaderboards, links, commands, pages.
const NOISE_RE = /^(?:added|updated|uploaded|made|auto uploaded|edited)\b.{0,12}\bby\b|^by\s|^(?:art|artist|credit|credits|sauce|source)\b|https?:\/\/|t\.me\/|\bwww\.|^\/\w|^\d{1,3}[.)]\s|\b(?:times|globally|guessed|catchers|coins|deducted|harem)\b|^(?:part|page|pg|p\.)\s*\d+\s*(?:\/|of)\s*\d+$|^\d+\s*\/\s*\d+$|\bevent\s*$/;
const MENTION_RE = /(?:^|\s)@\w/;
const CREDIT_SPLIT_RE = /\s(?:\||•|—|–|-)\s/u;
const EMOJI_LABEL_RE = /^([\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\uFE0F\u200D\u20E3\s]{1,16})[:：]\s*(.*)$/u;
const ID_NAME_RE = /^[\p{Extended_Pictographic}\uFE0F\s#「『【[(]{0,8}(\d{1,9})\s*[:：]\s*(\S.*)$/u;
const ID_VALUE_NAME_RE = /^#?(\d{1,9})\s+(\D.*)$/;
const BARE_ID_RE = /^#?(\d{1,9})$/;
const HASHTAG_LINE_RE = /^(?:#[^\s#]+\s*)+$/;

export const RARITY_WORDS = new Set(
  ('common uncommon rare legendary medium low high special edition limited exclusive premium celestial divine ' +
    'epic mythic mythical mystical supreme infinity elite royal luxury nsfw erotic cosplay verse x-verse amv ' +
    'animation exotic nude nudes sultry neon ancient cosmic nightmare frostborn tropical kawaii hybrid ' +
    'skyrise omniversal unique ultra secret basic normal gold silver bronze platinum diamond limited-time ' +
    'devine nobel ssr ur sr lr').split(' '),
);

/** "🟣 Rare", "✨ 🟡 Legendary", "🔮 Premium Edition": emoji then a short rarity phrase. */
export function rarityLike(text: string): { emoji: string; value: string } | null {
  const lead = LEAD_EMOJI_RE.exec(text)?.[0];
  if (!lead || /[:：|]/.test(text)) return null;
  const value = text.slice(lead.length).replace(TRAIL_EMOJI_RE, '').trim();
  const words = value.split(/\s+/);
  if (!value || words.length > 4 || !HAS_LETTER_RE.test(value)) return null;
  const pictos = lead.trim().split(/\s+/);
  const emoji = pictos[pictos.length - 1] ?? lead.trim();
  const last = (words[words.length - 1] ?? '').toLowerCase().replace(/[^\p{L}-]/gu, '');
  if (RARITY_WORDS.has(last) || (COLOUR_EMOJI_RE.test(emoji) && words.length <= 3)) return { emoji, value };
  return null;
}

function classify(text: string, index: number, isFirstContent: boolean): Line {
  const line: Line = { index, text, kind: 'plain' };
  if (!text) return { ...line, kind: 'blank' };
  const lower = text.toLowerCase();
  const label = matchLabel(text);
  if (label && !label.weak) {
    const idv = label.field === 'id' ? ID_VALUE_NAME_RE.exec(label.value) : null;
    if (idv) return { ...line, kind: 'idName', id: idv[1]!, name: idv[2]!, label };
    return { ...line, kind: 'label', label };
  }
  const el = EMOJI_LABEL_RE.exec(text);
  if (el && HAS_PICTO_RE.test(el[1]!)) return { ...line, kind: 'emojiLabel', emoji: el[1]!.trim(), value: el[2]!.trim() };
  const idn = ID_NAME_RE.exec(text);
  if (idn && HAS_LETTER_RE.test(idn[2]!) && !/^\d{1,2}\b/.test(idn[2]!)) {
    return { ...line, kind: 'idName', id: idn[1]!, name: idn[2]! };
  }
  if (HEADER_RE.test(lower) || (isFirstContent && /!\s*$/.test(text) && HEADER_KEYWORD_RE.test(lower))) {
    return { ...line, kind: 'header' };
  }
  if (NOISE_RE.test(lower)) return { ...line, kind: 'noise' };
  // "@handle" lines are credits/promo — unless the credit is only a trailing "| 🎨 @artist" field.
  if (MENTION_RE.test(text) && MENTION_RE.test(text.split(CREDIT_SPLIT_RE)[0]!)) return { ...line, kind: 'noise' };
  if (HASHTAG_LINE_RE.test(text)) return { ...line, kind: 'hashtags' };
  if (label) return { ...line, kind: 'weakLabel', label };
  if (ONLY_EMOJI_RE.test(text)) return { ...line, kind: 'noise' };
  // "👘Kimono👘", "🎮 Game Goddess 🎮": an event/costume tag wrapped in emoji.
  if (LEAD_EMOJI_RE.test(text) && TRAIL_EMOJI_RE.test(text)) return { ...line, kind: 'event', value: text };
  const rl = rarityLike(text);
  if (rl) return { ...line, kind: 'rarityLike', emoji: rl.emoji, value: rl.value };
  const bare = BARE_ID_RE.exec(text);
  if (bare) return { ...line, kind: 'bareId', id: bare[1]! };
  const gen = GENERIC_LABEL_RE.exec(text);
  if (gen && (!/\p{L}/u.test(gen[2]!) || gen[2]!.trim() === '')) return { ...line, kind: 'noise' };
  if (!/[\p{L}\p{N}]/u.test(stripLeadDecor(text))) return { ...line, kind: 'noise' };
  return line;
}

// "OwO! Check out this character! Jujutsu kaisen 6012: Maki Zenin [🪶] (🟡 RARITY: Legendary)":
// split the compact one-line form back into its lines before classifying.
const HEADER_SPLIT_RE = /^(.{0,80}?\b(?:check out|look (?:at|out)) this \p{L}+\s*!+)\s*(\S.*)$/iu;
const INLINE_RARITY_RE = /\s[(]\s*[^\s\p{L}]{0,8}\s*(?:rarity|category)\s*:/iu;
const ANIME_THEN_ID_RE = /^(.*?\S)\s+(\d{1,9})\s*:\s*(\S.*)$/;

function explode(raw: string): Array<{ text: string; split: boolean }> {
  const out: Array<{ text: string; split: boolean }> = [];
  let text = raw;
  let split = false;
  const h = HEADER_SPLIT_RE.exec(text);
  if (h) {
    out.push({ text: h[1]!, split: false });
    text = h[2]!;
    split = true;
  }
  let tail: string | null = null;
  const r = INLINE_RARITY_RE.exec(text);
  if (r && r.index > 0) {
    tail = text.slice(r.index + 1);
    text = text.slice(0, r.index).trim();
    split = true;
  }
  const a = split ? ANIME_THEN_ID_RE.exec(text) : null;
  if (a && !/^\d+$/.test(a[1]!)) {
    out.push({ text: a[1]!, split: true }, { text: `${a[2]}: ${a[3]}`, split: true });
  } else out.push({ text, split });
  if (tail) out.push({ text: tail.trim(), split: true });
  return out;
}

export function splitLines(normalized: string): Line[] {
  const lines: Line[] = [];
  let seenContent = false;
  for (const rawLine of normalized.split('\n')) {
    for (const piece of explode(rawLine.trim())) {
      const l = classify(piece.text.trim(), lines.length, !seenContent);
      if (piece.split) l.split = true;
      if (l.kind !== 'blank') seenContent = true;
      lines.push(l);
    }
  }
  return lines;
}
