// Hashtag-derived names: Danbooru snake_case character tags, pixiv JP/EN tag pairs and
// CamelCase hashtag-only captions. All of this is AMBIGUOUS by nature (FORMATS §2P/§2Q/§2R),
// so callers give these results low confidence.

const HASHTAG_RE = /#([^\s#]{1,200})/gu;

export function extractHashtags(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HASHTAG_RE)) out.push(m[1]!.replace(/[.,!?;]+$/, ''));
  return out.filter(Boolean);
}

// Tags that describe the picture, not a character or series.
const GENERIC_TAGS = new Set(
  (
    'waifu husbando anime animegirl animeboy anime_girl anime_boy animeart anime_art art fanart fan_art manga ' +
    'illustration drawing digitalart digital_art cute kawaii girl boy 1girl 2girls 3girls 1boy 2boys solo ' +
    'multiple_girls smile nsfw sfw wallpaper pfp icon cosplay otaku animes art_of_the_day original oc ' +
    '女の子 男の子 オリジナル イラスト 落書き 創作 風景 可愛い 美少女 ファンアート 漫画 アニメ'
  ).split(' '),
);

export function isGenericTag(tag: string): boolean {
  return GENERIC_TAGS.has(tag.toLowerCase()) || /^\d+(?:girls?|boys?)$/i.test(tag);
}

const LATIN_TAG_RE = /^[\p{Script=Latin}\d_'’.-]+$/u;

/** "NicoRobin" → "Nico Robin", "hatsune_miku" → "Hatsune Miku". Other scripts are kept as is. */
export function humaniseTag(tag: string): string {
  if (!LATIN_TAG_RE.test(tag)) return tag.replace(/_/g, ' ').trim();
  if (tag.includes('_')) {
    return tag
      .split('_')
      .filter(Boolean)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' ');
  }
  // "DARLINGintheFRANXX": capital runs make CamelCase splitting guesswork, keep it verbatim.
  if (/\p{Lu}{3}/u.test(tag)) return tag;
  return tag.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
}

function snakeToTitle(words: readonly string[]): string {
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/** A tag that plausibly names someone: multi-word (CamelCase/snake) Latin, or any non-Latin tag. */
function isNamelikeTag(tag: string): boolean {
  if (isGenericTag(tag)) return false;
  if (!LATIN_TAG_RE.test(tag)) return /\p{L}/u.test(tag);
  // Multi-word (CamelCase / snake_case) or a capitalised single word ("#Makima"); "#mikasa" is too vague.
  return tag.includes('_') || /\p{Ll}\p{Lu}/u.test(tag) || /^\p{Lu}\p{Ll}{2,}$/u.test(tag);
}

// Danbooru copyright qualifiers whose display form has punctuation the channel bot removed.
const QUALIFIERS: Record<string, string> = {
  re_zero: 'Re:Zero',
  fate_grand_order: 'Fate/Grand Order',
  fate_stay_night: 'Fate/stay night',
  nier_automata: 'NieR:Automata',
  honkai_star_rail: 'Honkai: Star Rail',
  steins_gate: 'Steins;Gate',
  kaguya_sama_wa_kokurasetai: 'Kaguya-sama wa Kokurasetai',
  oshi_no_ko: 'Oshi no Ko',
  chainsaw_man: 'Chainsaw Man',
  genshin_impact: 'Genshin Impact',
  blue_archive: 'Blue Archive',
};

/** Danbooru "Characters:" hashtags → names joined with ", " and the shared series qualifier. */
export function danbooruCharacters(
  value: string,
  otherTags: readonly string[],
): { name: string | null; anime: string | null } {
  // "#ram_re_zero #rem_re_zero", or the same tags without "#".
  const raw = value.includes('#')
    ? extractHashtags(value)
    : value.split(/[\s,]+/).filter((t) => /^[\p{L}\d_'().:-]+$/u.test(t));
  const tags = raw.filter((t) => !isGenericTag(t)).map((t) => t.toLowerCase());
  if (!tags.length) return { name: null, anime: null };
  const toks = tags.map((t) => t.split('_').filter(Boolean));
  let suffix = 0;
  if (toks.length > 1) {
    const first = toks[0]!;
    for (let k = 1; k < first.length; k++) {
      const tail = first.slice(-k).join('_');
      if (toks.every((t) => t.length > k && t.slice(-k).join('_') === tail)) suffix = k;
    }
  } else {
    const t = toks[0]!;
    const others = new Set(otherTags.map((x) => x.toLowerCase()));
    for (let k = t.length - 1; k >= 1 && !suffix; k--) {
      const tail = t.slice(-k).join('_');
      if (QUALIFIERS[tail] || others.has(tail)) suffix = k;
    }
  }
  const names = toks.map((t) => snakeToTitle(t.slice(0, t.length - suffix)));
  const q = suffix ? toks[0]!.slice(-suffix).join('_') : '';
  return { name: names.join(', '), anime: q ? (QUALIFIERS[q] ?? snakeToTitle(q.split('_'))) : null };
}

/** Groups "#原神 #GenshinImpact" (a non-Latin tag followed by its Latin form) into one entity. */
function groupTags(tags: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    const next = tags[i + 1];
    if (!LATIN_TAG_RE.test(t) && next !== undefined && LATIN_TAG_RE.test(next) && !isGenericTag(next)) {
      groups.push([t, next]);
      i++;
    } else groups.push([t]);
  }
  return groups;
}

function display(group: readonly string[]): string {
  const latin = group.find((t) => LATIN_TAG_RE.test(t));
  return humaniseTag(latin ?? group[0]!);
}

/** pixiv: series tag first, then character; a title equal to a tag marks that tag as the name. */
export function pixivPick(
  tags: readonly string[],
  title: string | null,
): { name: string | null; anime: string | null } {
  const groups = groupTags(tags.filter((t) => !isGenericTag(t)));
  if (!groups.length) return { name: null, anime: null };
  const t = title?.toLowerCase().replace(/\s+/g, '') ?? '';
  let nameIdx = t ? groups.findIndex((g) => g.some((x) => x.toLowerCase().replace(/_/g, '') === t)) : -1;
  let animeIdx = nameIdx === 0 ? 1 : 0;
  if (nameIdx < 0) nameIdx = groups.length > 1 ? 1 : -1;
  if (animeIdx === nameIdx) animeIdx = -1;
  return {
    name: nameIdx >= 0 ? display(groups[nameIdx]!) : null,
    anime: animeIdx >= 0 && groups[animeIdx] ? display(groups[animeIdx]!) : null,
  };
}

/** "#NicoRobin #OnePiece": hand-written order is name first, then series. */
export function hashtagOnly(tags: readonly string[]): { name: string | null; anime: string | null } {
  const good = tags.filter(isNamelikeTag);
  return { name: good[0] ? humaniseTag(good[0]) : null, anime: good[1] ? humaniseTag(good[1]) : null };
}
