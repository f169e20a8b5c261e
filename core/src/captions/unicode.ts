// Character classes shared by the parser. All patterns are single character classes or anchored
// runs of them, so they scan in linear time.

/** One emoji "piece": pictograph, skin tone, VS16, ZWJ, keycap, regional-indicator flag half. */
export const EMOJI_PIECE = '\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\p{Regional_Indicator}\\uFE0F\\u200D\\u20E3';

/** Decoration that prefixes or ends lines: emoji plus bullets, arrows and ornaments. */
const DECOR_CHARS =
  EMOJI_PIECE + '•·∙◦▪▫►▸▹➤➢➣➼⟹⟶⟿→⇒⇨➥➔➜❖✦✧✩✪✫✬✭✮✯✰★☆⦿◉○●◆◇♦♢♡♥❥❣✘✗⊹⋆˚*>»«|~_=+\\-–—:;,.!?\\s';

export const LEAD_DECOR_RE = new RegExp(`^[${DECOR_CHARS}]+`, 'u');
export const TRAIL_DECOR_RE = new RegExp(`[${EMOJI_PIECE}•·∙◦▪▫►▸➤➼✦✧★☆❖♡♥❥❣✘⊹⋆*~|=+\\-–—:;,\\s]+$`, 'u');
export const LEAD_EMOJI_RE = new RegExp(`^(?:[${EMOJI_PIECE}]+\\s*)+`, 'u');
export const TRAIL_EMOJI_RE = new RegExp(`(?:\\s*[${EMOJI_PIECE}]+)+$`, 'u');
export const ONLY_EMOJI_RE = new RegExp(`^[${EMOJI_PIECE}\\s]+$`, 'u');
export const HAS_PICTO_RE = /\p{Extended_Pictographic}/u;
export const HAS_LETTER_RE = /\p{L}/u;
export const HAS_LETTER_OR_DIGIT_RE = /[\p{L}\p{N}]/u;

/** Colour shapes that bots use as bare rarity markers (family G). */
export const COLOUR_EMOJI_RE = /^(?:[\u{1F534}\u{1F535}\u{1F7E0}-\u{1F7EB}\u26AA\u26AB\u2B1B\u2B1C\u{1F48E}]\uFE0F?)$/u;

export function stripLeadDecor(s: string): string {
  return s.replace(LEAD_DECOR_RE, '');
}

export function collapseSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Title-case words; used only where the convention asks for it (uniform-case rarity values). */
export function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s\-[(/"'])(\p{L})/gu, (_m, pre: string, ch: string) => pre + ch.toUpperCase());
}

/** True when every cased letter is lower case, or every cased letter is upper case. */
export function isUniformCase(s: string): boolean {
  return s === s.toLowerCase() || s === s.toUpperCase();
}
