// Label vocabulary and the label-line matcher. Labels are matched at the start of a line after
// decoration (emoji, bullets, "(", "「"), longest first, and must end at a word boundary.

export type LabelField =
  | 'name'
  | 'newName'
  | 'oldName'
  | 'anime'
  | 'rarity'
  | 'newRarity'
  | 'id'
  | 'characters'
  | 'copyright'
  | 'variant'
  | 'ignore';

const LABEL_LIST: Array<[string, LabelField]> = [
  // name
  ['character name', 'name'],
  ['char name', 'name'],
  ['waifu name', 'name'],
  ['husbando name', 'name'],
  ['card name', 'name'],
  ['amv name', 'name'],
  ['video name', 'name'],
  ['full name', 'name'],
  ['new name', 'newName'],
  ['old name', 'oldName'],
  ['previous name', 'oldName'],
  ['name', 'name'],
  ['character', 'name'],
  ['char', 'name'],
  ['waifu', 'name'],
  ['husbando', 'name'],
  // Update and rename notices: the new value wins over any plain label of the same field.
  ['new character', 'newName'],
  ['new waifu', 'newName'],
  ['new husbando', 'newName'],
  ['new anime', 'anime'],
  ['new series', 'anime'],
  ['new rarity', 'newRarity'],
  ['new id', 'id'],
  ['old rarity', 'ignore'],
  ['old anime', 'ignore'],
  ['old id', 'ignore'],
  ['old character', 'oldName'],
  // The languages of these communities: Uzbek, Indonesian/Malay, Russian, Spanish, Portuguese, French.
  ['ism', 'name'],
  ['ismi', 'name'],
  ['nomi', 'name'],
  ['qahramon', 'name'],
  ['personaj', 'name'],
  ['nama', 'name'],
  ['nama karakter', 'name'],
  ['karakter', 'name'],
  ['tokoh', 'name'],
  ['nombre', 'name'],
  ['personaje', 'name'],
  ['nome', 'name'],
  ['personagem', 'name'],
  ['nom', 'name'],
  ['имя', 'name'],
  ['персонаж', 'name'],
  ['герой', 'name'],
  ['название', 'name'],
  ["ім'я", 'name'],
  ['isim', 'name'],
  ['karakter adı', 'name'],
  ['tên', 'name'],
  ['nhân vật', 'name'],
  ['personnage', 'name'],
  ['personaggio', 'name'],
  ['charakter', 'name'],
  ['pangalan', 'name'],
  ['नाम', 'name'],
  ['الاسم', 'name'],
  ['الشخصية', 'name'],
  ['نام', 'name'],
  ['名前', 'name'],
  ['名字', 'name'],
  ['角色', 'name'],
  ['キャラ', 'name'],
  ['キャラクター', 'name'],
  // anime
  ['anime name', 'anime'],
  ['anime', 'anime'],
  ['series name', 'anime'],
  ['series', 'anime'],
  ['from', 'anime'],
  ['franchise', 'anime'],
  ['game', 'anime'],
  ['origin', 'anime'],
  ['manga', 'anime'],
  ['show', 'anime'],
  ['anime/manga', 'anime'],
  ['anime/game', 'anime'],
  ['series/anime', 'anime'],
  ['аниме', 'anime'],
  ['anime nomi', 'anime'],
  ['nama anime', 'anime'],
  ['judul', 'anime'],
  ['serie', 'anime'],
  ['série', 'anime'],
  ['obra', 'anime'],
  ['тайтл', 'anime'],
  ['серия', 'anime'],
  ['сериал', 'anime'],
  ['игра', 'anime'],
  ['title', 'anime'],
  ['аніме', 'anime'],
  ['الأنمي', 'anime'],
  ['انیمه', 'anime'],
  ['作品', 'anime'],
  ['アニメ', 'anime'],
  ['番剧', 'anime'],
  ['copyrights', 'copyright'],
  ['copyright', 'copyright'],
  // rarity (CATEGORY counts as rarity, FORMATS §4)
  ['rarity', 'rarity'],
  ['category', 'rarity'],
  ['tier', 'rarity'],
  ['rank', 'rarity'],
  ['grade', 'rarity'],
  ['rarity level', 'rarity'],
  ['rarity type', 'rarity'],
  ['редкость', 'rarity'],
  ['noyoblik', 'rarity'],
  ['nodirlik', 'rarity'],
  ['daraja', 'rarity'],
  ['kelangkaan', 'rarity'],
  ['raritas', 'rarity'],
  ['kelas', 'rarity'],
  ['rareza', 'rarity'],
  ['raridade', 'rarity'],
  ['rareté', 'rarity'],
  ['ранг', 'rarity'],
  ['рідкість', 'rarity'],
  ['nadirlik', 'rarity'],
  ['độ hiếm', 'rarity'],
  ['rarità', 'rarity'],
  ['seltenheit', 'rarity'],
  ['दुर्लभता', 'rarity'],
  ['الندرة', 'rarity'],
  ['کمیابی', 'rarity'],
  ['レアリティ', 'rarity'],
  ['稀有度', 'rarity'],
  // id
  ['character id', 'id'],
  ['char id', 'id'],
  ['card id', 'id'],
  ['item id', 'id'],
  ['waifu id', 'id'],
  ['husbando id', 'id'],
  ['char no', 'id'],
  ['character no', 'id'],
  ['card no', 'id'],
  ['id no', 'id'],
  ['no.', 'id'],
  ['id', 'id'],
  ['номер', 'id'],
  ['código', 'id'],
  ['codigo', 'id'],
  ['nomor', 'id'],
  ['raqam', 'id'],
  // danbooru
  ['characters', 'characters'],
  // second classifications kept as variant
  ['edition', 'variant'],
  ['event', 'variant'],
  ['costume', 'variant'],
  ['theme', 'variant'],
  // known non-data labels (so that their lines never become positional values)
  ['added by', 'ignore'],
  ['updated by', 'ignore'],
  ['uploaded by', 'ignore'],
  ['made by', 'ignore'],
  ['auto uploaded', 'ignore'],
  ['art by', 'ignore'],
  ['by', 'ignore'],
  ['price', 'ignore'],
  ['type', 'ignore'],
  ['quality', 'ignore'],
  ['posted at', 'ignore'],
  ['posted', 'ignore'],
  ['tags', 'ignore'],
  ['tag', 'ignore'],
  ['artists', 'ignore'],
  ['artist', 'ignore'],
  ['twitter', 'ignore'],
  ['source', 'ignore'],
  ['sauce', 'ignore'],
  ['link', 'ignore'],
  ['owner', 'ignore'],
  ['uploader', 'ignore'],
  ['user', 'ignore'],
  ['buyer', 'ignore'],
  ['date', 'ignore'],
  ['time', 'ignore'],
  ['status', 'ignore'],
  ['total', 'ignore'],
  ['count', 'ignore'],
  ['caught globally', 'ignore'],
  ['globally caught', 'ignore'],
  ['credits', 'ignore'],
  ['credit', 'ignore'],
  ['pixiv', 'ignore'],
  ['balance', 'ignore'],
  ['coins', 'ignore'],
  ['player', 'ignore'],
  ['streak', 'ignore'],
  ['multiplier', 'ignore'],
  ['claimed by', 'ignore'],
  ['owners', 'ignore'],
  ['diunggah oleh', 'ignore'],
  ['yuklovchi', 'ignore'],
  ['добавил', 'ignore'],
  ['subido por', 'ignore'],
  ['enviado por', 'ignore'],
];
// Longest first so "character name" wins over "character", "char id" over "char".
const LABELS = [...LABEL_LIST].sort((a, b) => b[0].length - a[0].length);
// Indexed by the first two letters so a line is compared with a handful of labels, not all of them.
const BY_PREFIX = new Map<string, Array<[string, LabelField]>>();
for (const l of LABELS) {
  const k = l[0].slice(0, 2);
  if (!BY_PREFIX.has(k)) BY_PREFIX.set(k, []);
  BY_PREFIX.get(k)!.push(l);
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
// Label delimiter: ":" "=" "➥" "→", a spaced dash or bullet, or a dotted leader ("Name ....... Rem").
// Spaces on either side are optional for ":".
const DELIM_RE = /^\s*(?:[:：=➥➤→⟹⇒»⇨➔➜⟶►▸➩]|>{1,2}|\.{2,}|…+|[-–—~|•·](?=\s))\s*/u;
// A label wrapped in decorative brackets ("『Name』", "【 Anime 】", "⌜ID⌟"): the closer may stand in
// for the delimiter.
const LABEL_CLOSER_RE = /^\s*[』】》〉⌟」〕\]]/u;
const OPEN_FOR: Record<string, string> = {
  ']': '[',
  '】': '【',
  '』': '『',
  '》': '《',
  '」': '「',
  '〕': '〔',
  '⌟': '⌜',
};
// Prefixed update labels only count with a real delimiter ("New Character Added!" is a header).
const NEEDS_DELIM = new Set<LabelField>(['newName', 'newRarity', 'oldName']);

/** "Bleach ]" under a "[ ANIME : …" prefix: drop the closer that belongs to the label's bracket. */
function dropWrapCloser(value: string, prefix: string): string {
  const last = value.charAt(value.length - 1);
  const open = OPEN_FOR[last];
  if (!open || !prefix.includes(open) || value.includes(open)) return value;
  return value.slice(0, -1).trim();
}

/** Lower case; Turkish "İ" would lower-case to "i" plus a combining dot and shift every offset. */
function fold(t: string): string {
  return (t.includes('İ') ? t.replace(/İ/g, 'I') : t).toLowerCase();
}

export function matchLabel(line: string): LabelHit | null {
  const c0 = line.charCodeAt(0);
  const prefix = (c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90) ? '' : (PREFIX_RE.exec(line)?.[0] ?? '');
  const rest = line.slice(prefix.length);
  const head = fold(rest.slice(0, 20));
  const candidates = BY_PREFIX.get(head.slice(0, 2));
  if (!candidates) return null;
  for (const [label, field] of candidates) {
    if (!head.startsWith(label)) continue;
    let after = rest.slice(label.length);
    if (/^[\p{L}\p{N}]/u.test(after)) continue;
    const closer = LABEL_CLOSER_RE.exec(after);
    if (closer) after = after.slice(closer[0].length);
    const d = DELIM_RE.exec(after);
    if (d || (closer && /^\s/.test(after))) {
      const raw = after.slice(d ? d[0].length : 0).trim();
      const value = prefix ? dropWrapCloser(raw, prefix) : raw;
      return { field, label, prefix, value, weak: false };
    }
    if (NEEDS_DELIM.has(field)) return null;
    const sp = /^\s+/.exec(after);
    if (sp) return { field, label, prefix, value: after.slice(sp[0].length).trim(), weak: true };
    if (after.trim() === '') return { field, label, prefix, value: '', weak: true };
    return null;
  }
  return null;
}

/** A generic "Word words: value" line whose label we do not know (stats posts, "Æ: 500"). */
export const GENERIC_LABEL_RE = /^[^\p{L}\p{N}]{0,8}(\p{L}[\p{L}\p{M} .'’]{0,28}?)\s*[:：]\s+(.*)$/u;
