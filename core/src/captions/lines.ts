// Splits a normalized caption into classified lines. Every test here is anchored or a bounded
// class, so classification is linear in the caption length.
import { GENERIC_LABEL_RE, matchLabel, type LabelHit } from './labels.js';
import { RARITY_WORDS } from './vocab.js';
import {
  COLOUR_EMOJI_RE,
  EMOJI_PIECE,
  HAS_LETTER_OR_DIGIT_RE,
  HAS_LETTER_RE,
  HAS_PICTO_RE,
  LEAD_EMOJI_RE,
  ONLY_EMOJI_RE,
  stripTrailingEmoji,
  trailingEmoji,
} from './unicode.js';

export type LineKind =
  | 'blank'
  | 'label'
  | 'weakLabel'
  | 'emojiLabel'
  | 'idName'
  | 'header'
  | 'noise'
  | 'event'
  | 'rarityLike'
  | 'bareId'
  | 'hashtags'
  | 'plain';

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
const HEADER_RE =
  /check out this|look (?:at|out) this|take a look|new (?:character|card|waifu|husbando)s? added|added (?:a )?new (?:character|card|waifu|husbando)|added character|character (?:details|info|database|unlocked|card)|global character|card drop|you rolled|you grabbed|grabbed a new|congratulations|successfully|['’]s (?:character|waifu|husbando)\b|name changed|\.\.\.\s*!+$/;
// Headers of claim, quiz and update notices.
const NOTICE_HEADER_RE =
  /who is (?:this|that|she|he)\b|guess (?:the|this|who)\b|daily (?:claim|reward|drop)|claimed!|(?:character|rarity|name) (?:updated|renamed|changed)\b|rename notice|rarity (?:map|list|table|guide|chart|info)\b/;
// Bot greetings above an unlabelled name line ("Hello everyone! 💖", "🌟 Welcome to Waifu Catcher 🌟").
const GREETING_RE = /^[^\p{L}]{0,8}(?:hello|hi|hey|hiya|welcome|greetings|good (?:morning|evening|night))\b/u;
const HEADER_KEYWORD_RE = /\b(?:character|waifu|husbando|card|catcher|grabber|database|collection)s?\b/;
// Lines that are never data: uploader credits, counters, leaderboards, links, commands, pages.
const NOISE_RE =
  /^(?:added|updated|uploaded|made|auto uploaded|edited)\b.{0,12}\bby\b|^by\s|^(?:art|artist|credit|credits|sauce|source)\b|https?:\/\/|t\.me\/|\bwww\.|^\/\w|^\d{1,3}[.)]\s|\d\s*(?:times|coins)\b|\b(?:globally|guessed|catchers|deducted)\b|\byour\s+\/?h?harem\b|^(?:part|page|pg|p\.)\s*\d+\s*(?:\/|of)\s*\d+$|^\d+\s*\/\s*\d+$|\bevent\s*$/;
const MENTION_RE = /(?:^|\s)@\w/;
const CREDIT_SPLIT_RE = /\s(?:\||•|—|–|-)\s/u;
const TRAILING_CREDIT_RE =
  /(?:\s+|\s*[|•·—–-]\s*)(?:(?:art|drawn|illustrated|made)\s+)?(?:by|credits?:?|🎨)\s*@\w+\s*$/iu;
const EMOJI_LABEL_RE =
  /^([\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\uFE0F\u200D\u20E3\s]{1,16})[:：]\s*(.*)$/u;
const ID_NAME_RE = /^[\p{Extended_Pictographic}\uFE0F\s#「『【[(]{0,8}(\d{1,9})\s*[:：]\s*(\S.*)$/u;
const ID_VALUE_NAME_RE = /^#?(\d{1,9})\s+(\D.*)$/;
const BARE_ID_RE = /^(?:🆔\uFE0F?\s*)?[#№]?(\d{1,9})$/u;
const HASHTAG_LINE_RE = /^(?:#[^\s#]+\s*)+$/;

/** "🟣 Rare", "✨ 🟡 Legendary", "🔮 Premium Edition": emoji then a short rarity phrase. */
export function rarityLike(text: string): { emoji: string; value: string } | null {
  const lead = LEAD_EMOJI_RE.exec(text)?.[0];
  if (!lead || /[:：|]/.test(text)) return null;
  const value = stripTrailingEmoji(text.slice(lead.length)).trim();
  const words = value.split(/\s+/);
  if (!value || words.length > 4 || !HAS_LETTER_RE.test(value)) return null;
  const pictos = lead.trim().split(/\s+/);
  const emoji = pictos[pictos.length - 1] ?? lead.trim();
  const last = (words[words.length - 1] ?? '').toLowerCase().replace(/[^\p{L}-]/gu, '');
  if (RARITY_WORDS.has(last) || (COLOUR_EMOJI_RE.test(emoji) && words.length <= 3)) return { emoji, value };
  return null;
}

/** "Legendary", "Special Edition" with no emoji: only trusted at a rarity position. */
export function bareRarity(text: string): boolean {
  const words = text.trim().split(/\s+/);
  if (words.length > 3 || /[\d:|]/.test(text)) return false;
  return RARITY_WORDS.has((words[words.length - 1] ?? '').toLowerCase());
}

const LINE_ORNAMENT_RE =
  /^[\u2500-\u257F\u2190-\u21FF\u2794-\u27BF\u27F0-\u27FF\u2900-\u297F]+[\s\u2500-\u257F\u2190-\u21FF\u2794-\u27BF]*/u;
const TAG_SHAPE_BREAK_RE = /[[(]|\s[-|–—•·]\s/u;

function classify(text: string, index: number, isFirstContent: boolean): Line {
  const line: Line = { index, text, kind: 'plain' };
  if (!text) {
    line.kind = 'blank';
    return line;
  }
  const lower = text.toLowerCase();
  const hasColon = text.includes(':');
  const label = matchLabel(text);
  // "ID 1368", "No. 0045": a weak id label is trusted when its value is just the digits.
  if (label && label.weak && label.field === 'id' && /^#?\d{1,12}$/.test(label.value)) label.weak = false;
  if (label && !label.weak) {
    line.label = label;
    const idv = label.field === 'id' ? ID_VALUE_NAME_RE.exec(label.value) : null;
    if (idv) {
      line.kind = 'idName';
      line.id = idv[1]!;
      line.name = idv[2]!;
    } else line.kind = 'label';
    return line;
  }
  const el = hasColon ? EMOJI_LABEL_RE.exec(text) : null;
  if (el && HAS_PICTO_RE.test(el[1]!)) {
    line.kind = 'emojiLabel';
    line.emoji = el[1]!.trim();
    line.value = el[2]!.trim();
    return line;
  }
  const idn = hasColon ? ID_NAME_RE.exec(text) : null;
  if (idn && HAS_LETTER_RE.test(idn[2]!) && !/^\d{1,2}\b/.test(idn[2]!)) {
    line.kind = 'idName';
    line.id = idn[1]!;
    line.name = idn[2]!;
    return line;
  }
  if (
    HEADER_RE.test(lower) ||
    NOTICE_HEADER_RE.test(lower) ||
    (isFirstContent && (GREETING_RE.test(lower) || (/!\s*$/.test(text) && HEADER_KEYWORD_RE.test(lower))))
  ) {
    line.kind = 'header';
  } else if (NOISE_RE.test(lower)) {
    line.kind = 'noise';
  } else if (text.includes('@') && MENTION_RE.test(text.split(CREDIT_SPLIT_RE)[0]!.replace(TRAILING_CREDIT_RE, ''))) {
    // "@handle" lines are credits/promo — unless the credit only trails the data ("Rem (Re:Zero) by @x").
    line.kind = 'noise';
  } else if (text.charCodeAt(0) === 35 /* # */ && HASHTAG_LINE_RE.test(text)) {
    line.kind = 'hashtags';
  } else if (label && label.field === 'ignore') {
    // "📤 Added by Neha" is a credit; "🎌 Date A Live" only starts with a word that is also a label.
    if (/\bby$/.test(label.label)) line.kind = 'noise';
  } else if (label) {
    line.kind = 'weakLabel';
    line.label = label;
  } else if (ONLY_EMOJI_RE.test(text)) {
    line.kind = 'noise';
  } else if (LEAD_EMOJI_RE.test(text) && trailingEmoji(text) && !TAG_SHAPE_BREAK_RE.test(text)) {
    // "👘Kimono👘", "🎮 Game Goddess 🎮": an event/costume tag wrapped in emoji (a tag has no brackets or
    // separators: "🌟 Yor Forger [Spy x Family] 🟡" is a name and its series).
    line.kind = 'event';
  } else {
    const rl = rarityLike(text);
    const bare = rl ? null : BARE_ID_RE.exec(text);
    const gen = rl || bare || !hasColon ? null : GENERIC_LABEL_RE.exec(text);
    if (rl) {
      line.kind = 'rarityLike';
      line.emoji = rl.emoji;
      line.value = rl.value;
    } else if (bare) {
      line.kind = 'bareId';
      line.id = bare[1]!;
    } else if (gen && !/\p{L}/u.test(gen[2]!)) line.kind = 'noise';
    else if (text.includes('@')) line.text = text.replace(TRAILING_CREDIT_RE, '');
    else if (!HAS_LETTER_OR_DIGIT_RE.test(text)) line.kind = 'noise';
  }
  return line;
}

// "OwO! Check out this character! Jujutsu kaisen 6012: Maki Zenin [🪶] (🟡 RARITY: Legendary)":
// split the compact one-line form back into its lines before classifying.
const HEADER_SPLIT_RE =
  /^([^\p{L}]{0,8}(?:\p{L}{1,12}!*\s+){0,2}(?:check out|look (?:at|out)) this \p{L}+\s*!+)\s*(\S.*)$/iu;
const INLINE_RARITY_RE = /\s[(]\s*[^\s\p{L}]{0,8}\s*(?:rarity|category)\s*:/iu;
const ANIME_THEN_ID_RE = /^(.*?\S)\s+(\d{1,9})\s*:\s*(\S.*)$/;

// "Name: Rem | Anime: Re:Zero | ID: 5": several labelled fields on one line.
const FIELD_SEP_RE = /\s+(?:\||•|·|;|┃|¦)\s+/u;
const EMOJI_FIELD_SEP_RE = new RegExp(`\\s+[${EMOJI_PIECE}]+\\s+`, 'u');

// An id standing alone as one field of a one-line post: "🆔 212", "ID: 14", "#57", "🟣 [412]".
const ID_PART_RE = /^(?:🆔\uFE0F?|#️?⃣)?\s*(?:(?:id|no\.?)\s*[:#.]?\s*)?[#№]?(\d{1,9})$/iu;
const BRACKET_ID_PART_RE = /^([\p{Extended_Pictographic}\uFE0F\s]{0,8})\[(\d{1,9})\]$/u;

function labelledPart(p: string): boolean {
  const hit = matchLabel(p);
  return hit !== null && !hit.weak && hit.value !== '';
}

/**
 * "ID: 14 | Rem (Re:Zero)", "🆔 212 • Raiden Shogun • Genshin Impact • 🟡 Legendary",
 * "🟡 Legendary | Event: None": a line of several fields. Split it when every part is a field on
 * its own, or when it opens with an id (then the first free part is that id's name).
 */
function splitFields(raw: string, sep: RegExp = FIELD_SEP_RE): string[] | null {
  const parts = raw.split(sep).map((p) => p.trim());
  if (parts.length < 2) return null;
  const idm = ID_PART_RE.exec(parts[0]!) ?? BRACKET_ID_PART_RE.exec(parts[0]!);
  if (idm) {
    const id = idm.length === 3 ? idm[2]! : idm[1]!;
    const colour = idm.length === 3 ? idm[1]!.trim() : '';
    const rest = parts.slice(1);
    const free = rest.findIndex((p) => !labelledPart(p) && !rarityLike(p));
    if (free < 0) return [`ID: ${id}`, ...rest];
    return rest.map((p, i) => (i === free ? `${id}: ${p}${colour ? ` ${colour}` : ''}` : p));
  }
  if (!parts.every((p) => labelledPart(p) || rarityLike(p) !== null || ID_PART_RE.test(p))) return null;
  return parts.map((p) => {
    const id = ID_PART_RE.exec(p);
    return id ? `ID: ${id[1]}` : p;
  });
}

function explode(raw: string): Array<{ text: string; split: boolean }> {
  const out: Array<{ text: string; split: boolean }> = [];
  if (FIELD_SEP_RE.test(raw)) {
    const fields = splitFields(raw);
    if (fields) return fields.map((p) => ({ text: p, split: true }));
  }
  // "✨ Name: Nami ✨ Anime: One Piece ✨ ID: 301": spaced emoji between labelled fields.
  if (raw.includes(':') && EMOJI_FIELD_SEP_RE.test(raw)) {
    const fields = splitFields(raw, EMOJI_FIELD_SEP_RE);
    if (fields && fields.length > 1) return fields.map((p) => ({ text: p, split: true }));
  }
  let text = raw;
  let split = false;
  const h = text.length > 20 && /this/i.test(text) ? HEADER_SPLIT_RE.exec(text) : null;
  if (h) {
    out.push({ text: h[1]!, split: false });
    text = h[2]!;
    split = true;
  }
  let tail: string | null = null;
  const r = text.includes('(') ? INLINE_RARITY_RE.exec(text) : null;
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

const MAX_LINE = 1024;

export function splitLines(normalized: string): Line[] {
  const lines: Line[] = [];
  let seenContent = false;
  for (const rawLine of normalized.split('\n')) {
    // No caption field is longer than a Telegram caption; bounding lines bounds every regex.
    const bounded = rawLine.length > MAX_LINE ? rawLine.slice(0, MAX_LINE) : rawLine;
    // Box-drawing and arrow prefixes ("├─➩ ", "╚═ ", "➥ ") only draw the layout.
    const trimmed = bounded.trim().replace(LINE_ORNAMENT_RE, '');
    if (!trimmed) {
      lines.push({ index: lines.length, text: '', kind: 'blank' });
      continue;
    }
    for (const piece of explode(trimmed)) {
      const l = classify(piece.text.trim(), lines.length, !seenContent);
      if (piece.split) l.split = true;
      if (l.kind !== 'blank') seenContent = true;
      lines.push(l);
    }
  }
  // A lone "Game of Thrones" / "From the New World" line is a value, not an aligned column.
  if (lines.filter((l) => l.kind === 'weakLabel').length < 2) {
    for (const l of lines) if (l.kind === 'weakLabel') l.kind = 'plain';
  }
  return lines;
}
