/**
 * Reads the text a catcher bot prints for /harem or /collection (pure, no IO). The layouts come from the
 * public bot code of the WAIFU-HUSBANDO-CATCHER family and its forks:
 *   plain       "Alice's Harem - Page 1/3" · "🏖️ Naruto 2/50" · "07 Naruto Uzumaki ×1"
 *   bracket     "⌬ Naruto 〔2/50〕" · "◈⌠🟡⌡ 07 Naruto Uzumaki ×1" · "𝐈𝐃 : 07 ⌠ 🟡 ⌡ Naruto Uzumaki ×1" · "✥ ⌠ 🟡 ⌡ : 07 Naruto ×1"
 *   piped       "🏖️ Naruto - (2 / 50)" · "🆔️ 07| 🫧 🟡 Legendary | 🌸 Naruto Uzumaki × 1"
 *   rarity      "Naruto" · "07 (🟡 Legendary) Naruto Uzumaki ×1"
 *   id_colon    "10895: Rock Lee [👘]" (the id style of the grabber captions, FORMATS B/C)
 *   names       one name per line (a hand-made list)
 * Copied from Telegram the text is plain; a raw HTML/markdown rendering works too.
 */
import { stripMarkup } from '../captions/strip-markup.js';
import { normalizeCaptionText } from '../captions/normalize.js';
import { collapseSpaces, HAS_LETTER_RE, stripLeadDecor, stripTrailDecor } from '../captions/unicode.js';

export type HaremFamily = 'plain' | 'bracket' | 'piped' | 'rarity' | 'id_colon' | 'names';

export interface HaremEntry {
  /** The line as pasted (trimmed). */
  line: string;
  /** The bot's character id without leading zeros ("07" → "7"), or null. */
  id: string | null;
  name: string;
  /** The anime of the group the line is in, when the message names it. */
  anime: string | null;
  rarity: string | null;
  /** How many copies the bot counts (×N), 1 when not shown. */
  count: number;
}

export interface ParsedHarem {
  family: HaremFamily;
  entries: HaremEntry[];
}

/** Lines at most; a harem page has 15–30, a pasted export a few thousand. */
const MAX_LINES = 20_000;
const MAX_LINE_CHARS = 300;

// "Naruto 2/50", "Naruto 〔2/50〕", "Naruto - (2 / 50)"; NFKC has turned ﹝﹞ into 〔〕.
const GROUP_COUNT_RE = /^(.*?)[\s\-–—:]*[([〔（「【]?\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*[)\]〕）」】]?$/u;
const COPIES_RE = /\s[×xX✗]\s?(\d{1,6})$/u;
const BRACKET_RARITY_RE = /⌠\s*([^⌡]{0,20}?)\s*⌡/u;
const ID_LABEL_RE = /^(?:ID|Id|id)\s*[:：]\s*/u;
const LEAD_ID_RE = /^#?(\d{1,12})(\s*[:.)-]\s*|\s+)(?=\S)/u;
const PAREN_RARITY_RE = /^\(([^()]{1,60})\)\s*/u;
const VARIANT_TAG_RE = /\s*\[[^[\]]{0,20}\]$/u;
const HEADER_RE = /\b(?:harem|collection|slaves?|page\s*\d+\s*\/\s*\d+|see all)\b/iu;

interface Classified {
  kind: 'group' | 'entry' | 'bare';
  line: string;
  anime?: string;
  entry?: Omit<HaremEntry, 'anime'>;
  style?: HaremFamily;
}

/** Bullets and ornaments before the id or name (◈, ✥, 🆔️, ":"), whatever they are. */
const leadStrip = (s: string) => s.replace(/^[^\p{L}\p{N}#]+/u, '');
const cleanName = (s: string) =>
  collapseSpaces(stripTrailDecor(leadStrip(stripLeadDecor(s)).replace(VARIANT_TAG_RE, '')));
const noZeros = (id: string) => id.replace(/^0+(?=\d)/, '');

/** One character line (with an id or a ×N count), or null. */
function readEntry(line: string): Classified | null {
  let rest = line;
  let count = 1;
  const copies = COPIES_RE.exec(rest);
  if (copies) {
    count = Number(copies[1]);
    rest = rest.slice(0, copies.index);
  }
  let rarity: string | null = null;
  let style: HaremFamily = 'plain';
  if (rest.includes('|')) {
    // piped: "🆔️ 07| 🫧 Legendary | 🌸 Naruto Uzumaki"
    const parts = rest.split('|').map((p) => collapseSpaces(stripLeadDecor(p)));
    const idPart = parts.find((p) => /^#?\d{1,12}$/.test(p));
    const name = cleanName(parts[parts.length - 1] ?? '');
    if (idPart && name && HAS_LETTER_RE.test(name) && parts.length >= 2) {
      const mid = parts
        .slice(0, -1)
        .filter((p) => p !== idPart)
        .join(' ');
      return {
        kind: 'entry',
        line,
        style: 'piped',
        entry: { line, id: noZeros(idPart.replace('#', '')), name, rarity: mid || null, count },
      };
    }
  }
  const bracket = BRACKET_RARITY_RE.exec(rest);
  if (bracket) {
    rarity = bracket[1] || null;
    rest = `${rest.slice(0, bracket.index)} ${rest.slice(bracket.index + bracket[0].length)}`;
    style = 'bracket';
  }
  if (!copies && GROUP_COUNT_RE.test(rest)) return null; // "86 Eighty Six 3/12" heads a group
  rest = leadStrip(collapseSpaces(rest)).replace(ID_LABEL_RE, '');
  rest = leadStrip(rest);
  let id: string | null = null;
  const lead = LEAD_ID_RE.exec(rest);
  if (lead) {
    id = noZeros(lead[1]!);
    if (style === 'plain' && /:/.test(lead[2]!)) style = 'id_colon';
    rest = rest.slice(lead[0].length);
    const paren = PAREN_RARITY_RE.exec(rest);
    if (paren) {
      rarity = paren[1]!.trim();
      rest = rest.slice(paren[0].length);
      if (style === 'plain') style = 'rarity';
    }
  }
  // "ID : 07 ⌠🟡⌡ Name" leaves the id after the bracket was cut out: read it again
  if (!id) {
    const again = LEAD_ID_RE.exec(leadStrip(rest));
    if (again && bracket) {
      id = noZeros(again[1]!);
      rest = leadStrip(rest).slice(again[0].length);
    }
  }
  const name = cleanName(rest);
  if (!name || !HAS_LETTER_RE.test(name)) return null;
  if (!id && !copies) return null;
  return { kind: 'entry', line, style, entry: { line, id, name, rarity, count } };
}

function classify(line: string): Classified | null {
  if (!HAS_LETTER_RE.test(line) && !/\d/.test(line)) return null; // separators: ⚋⚋⚋, ╭── ✩ ──╮
  const entry = readEntry(line);
  if (entry) return entry;
  if (HEADER_RE.test(line)) return null;
  const group = GROUP_COUNT_RE.exec(line);
  if (group) {
    const anime = cleanName(group[1]!);
    return anime && HAS_LETTER_RE.test(anime) ? { kind: 'group', line, anime } : null;
  }
  const bare = cleanName(line);
  return bare && HAS_LETTER_RE.test(bare) ? { kind: 'bare', line, anime: bare } : null;
}

/** Parses a pasted harem message into entries (empty when nothing looks like a character line). */
export function parseHarem(text: string): ParsedHarem {
  const plain = normalizeCaptionText(stripMarkup(text).text);
  const lines = plain
    .split('\n')
    .slice(0, MAX_LINES)
    .map((l) => l.trim())
    .filter((l) => l && l.length <= MAX_LINE_CHARS);
  const rows = lines.map(classify).filter((r): r is Classified => r !== null);
  const hasEntries = rows.some((r) => r.kind === 'entry');
  const entries: HaremEntry[] = [];
  const styles = new Map<HaremFamily, number>();
  let anime: string | null = null;
  rows.forEach((r, i) => {
    if (r.kind === 'group') anime = r.anime!;
    else if (r.kind === 'bare') {
      // In a bot's message a bare line heads the lines under it ("Naruto" then "07 (🟡 Legendary) Naruto ×1");
      // in a hand-made list every line is a name.
      if (hasEntries && rows[i + 1]?.kind === 'entry') anime = r.anime!;
      else if (!hasEntries) {
        entries.push({ line: r.line, id: null, name: r.anime!, anime: null, rarity: null, count: 1 });
        styles.set('names', (styles.get('names') ?? 0) + 1);
      }
    } else {
      entries.push({ ...r.entry!, anime });
      styles.set(r.style!, (styles.get(r.style!) ?? 0) + 1);
    }
  });
  const family = [...styles.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'names';
  return { family, entries };
}
