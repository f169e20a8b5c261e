// Text normalisation: invisible characters, NFKC (folds 𝙉𝙖𝙢𝙚 / fullwidth / ﹙﹚ ｜), small caps
// (which NFKC leaves alone) and the search key used by the DB search columns.
import { repairMojibake } from './mojibake.js';
import { SMALL_CAPS } from './vocab.js';

// ZWSP, ZWNJ, word joiner, BOM, Hangul fillers (U+3164 and what NFKC turns it into), soft hyphen,
// Mongolian vowel separator, bidi marks/isolates, combining grapheme joiner, text-style VS1–15.
const INVISIBLE_RE =
  /[\u200B\u200C\u2060\uFEFF\u3164\u115F\u1160\uFFA0\u00AD\u180E\u200E\u200F\u202A-\u202E\u2066-\u2069\u034F\uFE00-\uFE0E]/g;
// ZWJ and VS16 only mean something next to an emoji; elsewhere they are transport noise.
const STRAY_JOINER_RE =
  /(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D|\u200D(?!\p{Extended_Pictographic})|(?<![\p{Extended_Pictographic}#*0-9\u20E3])\uFE0F/gu;
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

const SMALL_CAPS_RE = /[ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫꞯʀꝛꜱᴛᴜᴠᴡʏᴢᴁᴔ]/g;
// Cyrillic ғ is a real letter in Kazakh/Uzbek; fold it only inside a small-caps word.
const GHE_IN_SMALL_CAPS_RE = /ғ(?=[ᴀ-ᴢɪʏʀʟɴꜱ])|(?<=[ᴀ-ᴢɪʏʀʟɴꜱ])ғ/g;

export function stripInvisibles(s: string): string {
  let t = s.replace(INVISIBLE_RE, '');
  if (t.includes('\u200D') || t.includes('\uFE0F')) t = t.replace(STRAY_JOINER_RE, '');
  return t.replace(CONTROL_RE, '');
}

export function foldSmallCaps(s: string): string {
  if (!/[\u0250-\u02AF\u1D00-\u1D2B\uA730-\uA7AF\u01EB\u0493]/.test(s)) return s;
  return s.replace(GHE_IN_SMALL_CAPS_RE, 'f').replace(SMALL_CAPS_RE, (c) => SMALL_CAPS[c] ?? c);
}

const ASCII_ONLY_RE = /^[\x20-\x7E\n\t]*$/;

/**
 * Normalise a whole caption for matching and for the stored values: mojibake repair,
 * invisibles, NFKC, small caps, unusual line breaks. Emoji (with their VS16/ZWJ) are kept.
 */
export function normalizeCaptionText(s: string): string {
  if (ASCII_ONLY_RE.test(s)) return s.replace(/\t/g, ' ');
  let t = repairMojibake(s);
  t = t.replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n');
  t = stripInvisibles(t).normalize('NFKC');
  t = stripInvisibles(foldSmallCaps(t));
  return t.replace(/[\t\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' ');
}

/**
 * Search key for DB columns: NFKC, small caps folded, invisibles removed, lower case,
 * Latin/Greek/Cyrillic diacritics removed (kana dakuten are kept), whitespace collapsed.
 * Idempotent: normalizeForSearch(normalizeForSearch(x)) === normalizeForSearch(x).
 */
export function normalizeForSearch(s: string): string {
  let t = stripInvisibles(s).normalize('NFKC').toLowerCase();
  t = foldSmallCaps(t)
    .normalize('NFD')
    .replace(/[\u0300-\u036F]/g, '');
  // Lower-casing can produce small caps (Ɪ → ɪ) and NFKC can undo NFD: fold once more.
  t = foldSmallCaps(stripInvisibles(t).normalize('NFKC').toLowerCase());
  return t.replace(/\s+/gu, ' ').trim();
}
