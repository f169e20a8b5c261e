// Repairs UTF-8 text that was decoded as Windows-1252 or Mac Roman and re-encoded (FORMATS §2A:
// forks that store their rarity table double-encoded). ftfy-style, but only the two codecs seen.
// A run is repaired only when its bytes form valid UTF-8 with a multi-byte sequence, so real
// Latin-1 text such as "Milizé" (byte E9 followed by ASCII is invalid UTF-8) is never touched.

import { RARITY_WORDS, SMALL_CAPS } from './vocab.js';

// Windows-1252 bytes 0x80..0x9F; undefined slots (81 8D 8F 90 9D) map to the C1 control itself,
// which is what "sloppy" decoders emit and what case 9 of the corpus contains (U+008F).
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';
// Mac Roman bytes 0x80..0xFF.
const MAC_ROMAN_HIGH =
  'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø' +
  '¿¡¬√ƒ≈∆«»…\u00A0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uF8FFÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ';

function buildTable(high: string, latin1Upper: boolean): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < high.length; i++) m.set(high[i]!, 0x80 + i);
  if (latin1Upper) for (let b = 0xa0; b <= 0xff; b++) m.set(String.fromCharCode(b), b);
  return m;
}
const CP1252 = buildTable(CP1252_HIGH, true);
const MAC_ROMAN = buildTable(MAC_ROMAN_HIGH, false);
const utf8 = new TextDecoder('utf-8', { fatal: true });

// Quick pre-check: a UTF-8 lead byte rendered in either codec followed by a continuation byte.
export const SUSPECT_RE =
  /[ÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö¬√ƒ≈∆«»…ÀŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰\uF8FF][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018-\u201E\u2020-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§¶ß®©´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø]/;

function tryRun(run: string, table: Map<string, number>): string | null {
  const bytes = new Uint8Array(run.length);
  let high = false;
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    if (c < 0x80) bytes[i] = c;
    else {
      const b = table.get(run[i]!);
      if (b === undefined) return null;
      bytes[i] = b;
      high = true;
    }
  }
  if (!high) return null;
  try {
    const out = utf8.decode(bytes);
    // Demand real evidence: two or more repaired characters, or one outside Latin/Greek/Cyrillic
    // (emoji, small caps). A lone "Â¡" → "¡" is as likely to be genuine text.
    let nonAscii = 0;
    let wide = false;
    for (const ch of out) {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0x80) nonAscii++;
      if (cp >= 0x800) wide = true;
    }
    return out.length < run.length && (nonAscii >= 2 || wide) ? out : null;
  } catch {
    return null;
  }
}

// Some forks lost the bytes that cp1252 leaves undefined (81 8D 8F 90 9D), so "ᴏ" (E1 B4 8F) and
// "ᴍ" (E1 B4 8D) both arrive as "á´", and "ʏ" (CA 8F) as "Ê". Such a run is rebuilt with
// placeholders and accepted only when one choice of letters spells a known rarity word
// ("âšª á´„á´á´á´á´É´" → "⚪ ᴄᴏᴍᴍᴏɴ"); otherwise the text is kept as posted (and flagged later).
const LOST: Record<string, string[]> = { '\uE000': ['ᴍ', 'ᴏ'], '\uE001': ['ʏ'] };

function resolveWord(word: string): string | null {
  if (!/[\uE000\uE001]/.test(word)) return word;
  let options = [''];
  for (const ch of word) {
    const alts = LOST[ch] ?? [ch];
    options = options.flatMap((o) => alts.map((a) => o + a));
    if (options.length > 64) return null;
  }
  return (
    options.find((o) =>
      RARITY_WORDS.has(
        [...o]
          .map((c) => SMALL_CAPS[c] ?? c)
          .join('')
          .toLowerCase(),
      ),
    ) ?? null
  );
}

function tryLossy(run: string): string | null {
  const out: number[] = [];
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    const b = c < 0x80 ? c : CP1252.get(run[i]!);
    if (b === undefined) return null;
    out.push(b);
  }
  const fixed: number[] = [];
  const cont = (x: number | undefined): boolean => x !== undefined && x >= 0x80 && x <= 0xbf;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0xe1 && out[i + 1] === 0xb4 && !cont(out[i + 2])) {
      fixed.push(0xee, 0x80, 0x80); // U+E000
      i++;
    } else if (out[i] === 0xca && !cont(out[i + 1]))
      fixed.push(0xee, 0x80, 0x81); // U+E001
    else fixed.push(out[i]!);
  }
  let decoded: string;
  try {
    decoded = utf8.decode(new Uint8Array(fixed));
  } catch {
    return null;
  }
  const words = decoded.split(' ').map(resolveWord);
  return words.every((w) => w !== null) ? words.join(' ') : null;
}

function repairWith(text: string, table: Map<string, number>): string {
  let out = '';
  let run = '';
  const flush = (): void => {
    out += run ? (tryRun(run, table) ?? (table === CP1252 ? tryLossy(run) : null) ?? run) : '';
    run = '';
  };
  for (const ch of text) {
    if (ch.length === 1 && (ch.charCodeAt(0) < 0x80 || table.has(ch)) && ch !== '\n') run += ch;
    else {
      flush();
      out += ch;
    }
  }
  flush();
  return out;
}

/** Undo double-encoded UTF-8 (cp1252 first, then Mac Roman). Returns the input when unsure. */
export function repairMojibake(text: string): string {
  if (!SUSPECT_RE.test(text)) return text;
  const a = repairWith(text, CP1252);
  if (a !== text) return a;
  return repairWith(text, MAC_ROMAN);
}
