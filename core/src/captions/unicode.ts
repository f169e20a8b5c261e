// Character classes shared by the parser. Regexes here are anchored runs of one class, and the
// "strip at the end" helpers scan backwards by hand: an unanchored `[…]+$` is quadratic on a long
// run that is not at the end, and `(?:\s*[…]+)+$` is exponential.

/** One emoji "piece": pictograph, skin tone, VS16, ZWJ, keycap, regional-indicator flag half. */
export const EMOJI_PIECE = '\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\p{Regional_Indicator}\\uFE0F\\u200D\\u20E3';
const EMOJI_ONE_RE = new RegExp(`^[${EMOJI_PIECE}]$`, 'u');

/** Decoration that prefixes lines: emoji plus bullets, arrows, box drawing (├─➩ ╔═ ┣) and ornaments. */
const DECOR_CHARS =
  EMOJI_PIECE +
  '\\u2500-\\u257F\\u2190-\\u21FF\\u2794-\\u27BF•·∙◦▪▫►▸▹➤➢➣➼⟹⟶⟿→⇒⇨➥➔➜❖✦✧✩✪✫✬✭✮✯✰★☆⦿◉○●◆◇♦♢♡♥❥❣✘✗⊹⋆˚*>»«|~_=+\\-–—:;,.!?\\s';
const TRAIL_DECOR_SET = new Set([...'•·∙◦▪▫►▸➤➼✦✧★☆❖♡♥❥❣✘⊹⋆*~|=+-–—:;,']);

export const LEAD_DECOR_RE = new RegExp(`^[${DECOR_CHARS}]+`, 'u');
export const LEAD_EMOJI_RE = new RegExp(`^[${EMOJI_PIECE}][${EMOJI_PIECE}\\s]*`, 'u');
export const ONLY_EMOJI_RE = new RegExp(`^[${EMOJI_PIECE}\\s]+$`, 'u');
export const HAS_PICTO_RE = /\p{Extended_Pictographic}/u;
export const HAS_LETTER_RE = /\p{L}/u;
export const HAS_LETTER_OR_DIGIT_RE = /[\p{L}\p{N}]/u;

/** Colour shapes that bots use as bare rarity markers (family G). */
export const COLOUR_EMOJI_RE = /^(?:[\u{1F534}\u{1F535}\u{1F7E0}-\u{1F7EB}\u26AA\u26AB\u2B1B\u2B1C\u{1F48E}]\uFE0F?)$/u;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\u00A0';
}

export function isEmojiPiece(c: string): boolean {
  const code = c.codePointAt(0)!;
  if (code < 0xa9) return false;
  return EMOJI_ONE_RE.test(c);
}

/** Index where a trailing run of chars accepted by `pred` starts (s.length when none). */
function trailingRunStart(s: string, pred: (c: string) => boolean): number {
  let i = s.length;
  while (i > 0) {
    let j = i - 1;
    const lo = s.charCodeAt(j);
    if (lo >= 0xdc00 && lo <= 0xdfff && j > 0) {
      const hi = s.charCodeAt(j - 1);
      if (hi >= 0xd800 && hi <= 0xdbff) j--;
    }
    if (!pred(s.slice(j, i))) break;
    i = j;
  }
  return i;
}

/** Trailing emoji (with the spaces between them): "Kana Arima 👘" → " 👘". Null when none. */
export function trailingEmoji(s: string): { index: number; emoji: string } | null {
  const start = trailingRunStart(s, (c) => isSpace(c) || isEmojiPiece(c));
  const run = s.slice(start);
  if (!HAS_PICTO_RE.test(run) && !/[\u{1F1E6}-\u{1F1FF}]/u.test(run)) return null;
  return { index: start, emoji: run.trim() };
}

export function stripTrailingEmoji(s: string): string {
  const t = trailingEmoji(s);
  return t ? s.slice(0, t.index) : s;
}

export function stripTrailDecor(s: string): string {
  return s.slice(
    0,
    trailingRunStart(s, (c) => isSpace(c) || TRAIL_DECOR_SET.has(c) || isEmojiPiece(c)),
  );
}

/** Remove leading and trailing chars of `set` (quotes, closers) without a regex. */
export function trimSet(s: string, set: ReadonlySet<string>, leading = true, trailing = true): string {
  let a = 0;
  let b = s.length;
  while (leading && a < b && set.has(s[a]!)) a++;
  while (trailing && b > a && set.has(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Removes the bullets, arrows and emoji that prefix a line. */
export function stripLeadDecor(s: string): string {
  return s.replace(LEAD_DECOR_RE, '');
}

const NON_SPACE_WS_RE = /[^\S ]| {2}/;

export function collapseSpaces(s: string): string {
  // Most values already have single plain spaces: then trimming is all there is to do.
  return NON_SPACE_WS_RE.test(s) ? s.replace(/\s+/g, ' ').trim() : s.trim();
}

/** Title-case words; used only where the convention asks for it (uniform-case rarity values). */
export function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s\-[(/"'])(\p{L})/gu, (_m, pre: string, ch: string) => pre + ch.toUpperCase());
}

/** True when every cased letter is lower case, or every cased letter is upper case. */
export function isUniformCase(s: string): boolean {
  return s === s.toLowerCase() || s === s.toUpperCase();
}
