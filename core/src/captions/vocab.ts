// Small vocabularies shared by several modules (kept apart to avoid import cycles).

/** Rarity words from the bots' tables (FORMATS §3); used to recognise bare rarity lines. */
export const RARITY_WORDS = new Set(
  (
    'common uncommon rare legendary medium low high special edition limited exclusive premium celestial divine ' +
    'epic mythic mythical mystical supreme infinity elite royal luxury nsfw erotic cosplay verse x-verse amv ' +
    'animation exotic nude nudes sultry neon ancient cosmic nightmare frostborn tropical kawaii hybrid ' +
    'skyrise omniversal unique ultra secret basic normal gold silver bronze platinum diamond limited-time ' +
    'devine nobel ssr ur sr lr neon manga celestial erotic summer winter monsoon valentine halloween christmas tiny ' +
    'sparking extreme ultimate transcendent oblivion retro zenith events'
  ).split(' '),
);

/** Small capitals (which NFKC leaves alone) → ASCII letters. */
export const SMALL_CAPS: Record<string, string> = {
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ǫ: 'q',
  'ꞯ': 'q',
  ʀ: 'r',
  ꝛ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  ᴁ: 'ae',
  ᴔ: 'oe',
};
