// Label vocabulary and the label-line matcher. Labels are matched at the start of a line after
// decoration (emoji, bullets, "(", "「"), longest first, and must end at a word boundary.

export type LabelField =
  | 'name' | 'newName' | 'oldName' | 'anime' | 'rarity' | 'id' | 'characters' | 'copyright' | 'variant' | 'ignore';

const LABEL_LIST: Array<[string, LabelField]> = [
  // name
  ['character name', 'name'], ['char name', 'name'], ['waifu name', 'name'], ['husbando name', 'name'],
  ['card name', 'name'], ['amv name', 'name'], ['video name', 'name'], ['full name', 'name'],
  ['new name', 'newName'], ['old name', 'oldName'], ['previous name', 'oldName'],
  ['name', 'name'], ['character', 'name'], ['char', 'name'], ['waifu', 'name'], ['husbando', 'name'],
  ['nama', 'name'], ['nombre', 'name'], ['nome', 'name'], ['имя', 'name'],
  // anime
  ['anime name', 'anime'], ['anime', 'anime'], ['series name', 'anime'], ['series', 'anime'], ['from', 'anime'],
  ['franchise', 'anime'], ['game', 'anime'], ['origin', 'anime'], ['manga', 'anime'], ['show', 'anime'],
  ['anime/manga', 'anime'], ['anime/game', 'anime'], ['series/anime', 'anime'], ['аниме', 'anime'],
  ['copyrights', 'copyright'], ['copyright', 'copyright'],
  // rarity (CATEGORY counts as rarity, FORMATS §4)
  ['rarity', 'rarity'], ['category', 'rarity'], ['tier', 'rarity'], ['rank', 'rarity'], ['grade', 'rarity'],
  ['rarity level', 'rarity'], ['rarity type', 'rarity'], ['редкость', 'rarity'],
  // id
  ['character id', 'id'], ['char id', 'id'], ['card id', 'id'], ['item id', 'id'], ['waifu id', 'id'],
  ['husbando id', 'id'], ['char no', 'id'], ['character no', 'id'], ['card no', 'id'], ['id no', 'id'],
  ['no.', 'id'], ['id', 'id'],
  // danbooru
  ['characters', 'characters'],
  // second classifications kept as variant
  ['edition', 'variant'], ['event', 'variant'], ['costume', 'variant'], ['theme', 'variant'],
  // known non-data labels (so that their lines never become positional values)
  ['added by', 'ignore'], ['updated by', 'ignore'], ['uploaded by', 'ignore'], ['made by', 'ignore'],
  ['auto uploaded', 'ignore'], ['art by', 'ignore'], ['by', 'ignore'], ['price', 'ignore'], ['type', 'ignore'],
  ['quality', 'ignore'], ['posted at', 'ignore'], ['posted', 'ignore'], ['tags', 'ignore'], ['tag', 'ignore'],
  ['artists', 'ignore'], ['artist', 'ignore'], ['twitter', 'ignore'], ['source', 'ignore'], ['sauce', 'ignore'],
  ['link', 'ignore'], ['owner', 'ignore'], ['uploader', 'ignore'], ['user', 'ignore'], ['buyer', 'ignore'],
  ['date', 'ignore'], ['time', 'ignore'], ['status', 'ignore'], ['total', 'ignore'], ['count', 'ignore'],
  ['caught globally', 'ignore'], ['globally caught', 'ignore'], ['credits', 'ignore'], ['credit', 'ignore'],
  ['pixiv', 'ignore'], ['balance', 'ignore'], ['coins', 'ignore'],
];
// Longest first so "character name" wins over "character", "char id" over "char".
const LABELS = [...LABEL_LIST].sort((a, b) => b[0].length - a[0].length);
// Indexed by first letter so a line is compared with a handful of labels, not all of them.
const BY_FIRST = new Map<string, Array<[string, LabelField]>>();
for (const l of LABELS) {
  const k = l[0][0]!;
  if (!BY_FIRST.has(k)) BY_FIRST.set(k, []);
  BY_FIRST.get(k)!.push(l);
}

export interface LabelHit {
  field: LabelField;
  label: string;
  /** Decoration before the label, e.g. "(🟡 " or "🍀 ". */
  prefix: string;
  value: string;
  /** Delimiter was whitespace only (aligned-column layout); needs corroboration. */
  weak: boolean;
}

const PREFIX_RE = /^[^\p{L}\p{N}#@/]{0,24}/u;
// Label delimiter: ":" "=" "➥" "→", or a spaced dash. Spaces on either side are optional for ":".
const DELIM_RE = /^\s*(?:[:=➥➤→⟹⇒»⇨➔➜⟶►▸]|>{1,2}|[-–—~|](?=\s))\s*/u;

export function matchLabel(line: string): LabelHit | null {
  const c0 = line.charCodeAt(0);
  const prefix = (c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90) ? '' : (PREFIX_RE.exec(line)?.[0] ?? '');
  const rest = line.slice(prefix.length);
  const candidates = BY_FIRST.get(rest.charAt(0).toLowerCase());
  if (!candidates) return null;
  const head = rest.slice(0, 20).toLowerCase();
  for (const [label, field] of candidates) {
    if (!head.startsWith(label)) continue;
    const after = rest.slice(label.length);
    if (/^[\p{L}\p{N}]/u.test(after)) continue;
    const d = DELIM_RE.exec(after);
    if (d) return { field, label, prefix, value: after.slice(d[0].length).trim(), weak: false };
    const sp = /^\s+/.exec(after);
    if (sp) return { field, label, prefix, value: after.slice(sp[0].length).trim(), weak: true };
    if (after.trim() === '') return { field, label, prefix, value: '', weak: true };
    return null;
  }
  return null;
}

/** A generic "Word words: value" line whose label we do not know (stats posts, "Æ: 500"). */
export const GENERIC_LABEL_RE = /^[^\p{L}\p{N}]{0,8}(\p{L}[\p{L}\p{M} .'’]{0,28}?)\s*[:：]\s+(.*)$/u;
