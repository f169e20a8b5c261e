// Bot event messages and posts that are not characters, told apart by shape before any family runs:
// - spawn / despawn / "already grabbed" messages: a guess command or an appear/flee phrase. They may
//   carry a rarity and an anime (and, when the bot reveals it on despawn, a labelled name), but the
//   picture's name is hidden on purpose, so no positional line is ever taken as the name;
// - rarity legends ("Rarity Map: 1 - ⚪ Common / 2 - 🟣 Rare …"): several rarity lines and nothing else.
import { bareRarity, rarityLike, type Line } from '../lines.js';
import { cleanAnime, cleanId, cleanName, cleanRarity } from '../values.js';
import { emptyCandidate, type Candidate } from './candidate.js';

const COMMAND_RE =
  /(?:^|[\s(])\/(?:guess|grab|hunt|catch|collect|seize|protecc|snatch|loot|capture|pick|marry|claim|wish|take)\b|\b(?:use|type|send|sending)\s+\/\p{L}/iu;
const PHRASE_RE =
  /\b(?:appear(?:ed|s)|spawn(?:ed|s)|summoned|despawned|ran away|fled|escaped)\b|\btime['’]?s up\b|\balready (?:been )?(?:grabbed|guessed|caught|claimed|taken|seized)\b|\bmissed (?:this|the)\b|\bnobody (?:guessed|caught|grabbed)\b/iu;
// "A New 🟡 Legendary Character Appeared", "a wild 🌸 Celestial waifu appeared", "a waifu has appeared".
const SPAWN_RE =
  /\b(?:new|an?|wild)\s+(?:(\S.{0,40}?)\s+)?(?:character|waifu|husbando|card|slave|player)\s+(?:has\s+)?(?:just\s+)?(?:appear(?:ed|s)|spawn(?:ed|s)|arrived)\b/iu;
const LEAD_WORDS_RE = /^(?:(?:new|wild|random|rare\s+new)(?:\s+|$))+/iu;
const NUMBERED_RE = /^\d{1,2}\s*[-.):–—]\s*/u;

// What every event caption holds somewhere: one cheap scan of the whole text before the line regexes.
// Stems every event caption holds somewhere (word tails, so "Appeared" and "appeared" both match;
// all-caps stems too): a few native substring scans before any line regex runs.
const EVENT_STEMS = [
  '/',
  'ppear',
  'pawn',
  'ummon',
  'ran away',
  'fled',
  'scape',
  "'s up",
  '’s up',
  'lready',
  'issed',
  'obody',
  'PPEAR',
  'PAWN',
  'UMMON',
  'RAN AWAY',
  'FLED',
  'LREADY',
  'ISSED',
];

/** `text`: the normalised caption the lines come from (screened once before any regex runs). */
export function isEventMessage(lines: readonly Line[], text?: string): boolean {
  if (text !== undefined && !EVENT_STEMS.some((h) => text.includes(h))) return false;
  return lines.some((l) => l.kind !== 'blank' && (COMMAND_RE.test(l.text) || PHRASE_RE.test(l.text)));
}

/** Three or more rarity lines (optionally numbered) and no name, id or anime field. */
export function isRarityLegend(lines: readonly Line[]): boolean {
  if (lines.length < 3) return false;
  // Cheap count first: a legend has three lines that are rarity-like, numbered or a bare rarity word.
  let maybe = 0;
  for (const l of lines) {
    const c = l.text.charCodeAt(0);
    if (l.kind === 'rarityLike' || (c >= 48 && c <= 57) || (l.kind === 'plain' && bareRarity(l.text))) maybe++;
  }
  if (maybe < 3) return false;
  let rarities = 0;
  for (const l of lines) {
    if (l.kind === 'blank' || l.kind === 'header' || l.kind === 'noise') continue;
    if (l.kind === 'idName') return false;
    if (l.label && l.kind === 'label' && l.label.field !== 'ignore' && l.label.field !== 'rarity') return false;
    const t = l.text.replace(NUMBERED_RE, '');
    if (rarityLike(t) || bareRarity(t) || l.kind === 'rarityLike') rarities++;
    else if (!/rarit|tier|rank|legend|map|list/iu.test(l.text)) return false;
  }
  return rarities >= 3;
}

export function extractEvent(lines: readonly Line[]): Candidate {
  const c = emptyCandidate('event', 0.6);
  for (const l of lines) {
    if (l.kind !== 'label' || !l.label) continue;
    const { field, value, prefix } = l.label;
    if ((field === 'rarity' || field === 'newRarity') && c.rarity === null) {
      const r = cleanRarity(value, prefix);
      c.rarity = r.rarity;
      c.rarityEmoji = r.emoji;
    } else if (field === 'anime' && c.anime === null) c.anime = cleanAnime(value);
    else if (field === 'name' && c.name === null) c.name = cleanName(value).value;
    else if (field === 'id' && c.sourceId === null) c.sourceId = cleanId(value);
  }
  if (c.rarity === null) {
    for (const l of lines) {
      const m = l.kind === 'blank' ? null : SPAWN_RE.exec(l.text);
      if (!m?.[1]) continue;
      const r = cleanRarity(m[1].replace(LEAD_WORDS_RE, ''));
      if (r.rarity && !/\b(?:character|waifu|husbando)\b/iu.test(r.rarity)) {
        c.rarity = r.rarity;
        c.rarityEmoji = r.emoji;
        break;
      }
    }
  }
  if (c.rarity === null) {
    const rl = lines.find((l) => l.kind === 'rarityLike');
    if (rl) {
      const r = cleanRarity(rl.text);
      c.rarity = r.rarity;
      c.rarityEmoji = r.emoji;
    }
  }
  return c;
}
