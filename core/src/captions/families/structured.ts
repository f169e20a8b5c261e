// Labelled and id-anchored layouts (families A–L, O, Q): fields come from label lines
// ("Name:", "𝘼𝙣𝙞𝙢𝙚:", "Rarity -", aligned columns), emoji labels ("🌸:", "🆔:") and the
// "<id>: <name>" line of the grabber/OwO bots. Missing fields are then filled from the line
// shape around them: the bare anime line before (OwO) or after (grabber) the id line, an
// unlabelled name under a branded header, a bare "🟡 Legendary" rarity line.
import type { Line } from '../lines.js';
import { bareRarity, rarityLike } from '../lines.js';
import { LEAD_EMOJI_RE } from '../unicode.js';
import { cleanAnime, cleanId, cleanName, cleanRarity } from '../values.js';
import { emptyCandidate, type Candidate } from './candidate.js';
import { danbooruCharacters, extractHashtags, humaniseTag } from './tags.js';

const ID_EMOJI_RE = /^(?:🆔|#️?⃣|🔢|🪪)/u;
const NAME_PAREN_RE = /^(.{1,80}?)\s*\(([^()]{1,120})\)$/u;
const SPACED_SEP_RE = /\s+(?:\||•|—|–|-|~|\/\/)\s+/u;

function isPlain(l: Line): boolean {
  return l.kind === 'plain';
}

/** Name line that may carry "| 🟡 Legendary" after a spaced separator (Senpai /pick cards). */
function nameFromLine(text: string, c: Candidate): void {
  const parts = text.split(SPACED_SEP_RE);
  let nameText: string | null = null;
  for (const p of parts) {
    const rl = rarityLike(p.trim());
    if (rl && c.rarity === null) {
      const r = cleanRarity(p.trim());
      c.rarity = r.rarity;
      c.rarityEmoji = r.emoji;
    } else if (nameText === null) nameText = p;
  }
  const n = cleanName(nameText);
  c.name = n.value;
  c.variant ??= n.variant;
  if (n.colour && c.rarity === null) {
    c.rarity = n.colour;
    c.rarityEmoji = n.colour;
  }
}

export function extractStructured(lines: readonly Line[]): Candidate | null {
  const weak = lines.filter((l) => l.kind === 'weakLabel');
  // Aligned columns ("🎭 Name   Anya Forger") have no delimiter: trust them only in numbers.
  const useWeak = weak.length >= 2;
  const labelLines = lines.filter((l) => l.kind === 'label' || (useWeak && l.kind === 'weakLabel'));
  const idLine = lines.find((l) => l.kind === 'idName');
  const emojiLabels = lines.filter((l) => l.kind === 'emojiLabel' && l.value);
  const c = emptyCandidate('labeled', 0.9);
  let labelled = 0;
  let newName: string | null = null;

  for (const l of labelLines) {
    const { field, value, prefix } = l.label!;
    if (field === 'name' && c.name === null) {
      const n = cleanName(value);
      if (n.value) labelled++;
      c.name = n.value;
      c.variant ??= n.variant;
    } else if (field === 'newName') {
      newName = cleanName(value).value ?? newName;
    } else if ((field === 'anime' || field === 'copyright') && c.anime === null) {
      const tags = field === 'copyright' ? extractHashtags(value) : [];
      c.anime = tags.length ? tags.map(humaniseTag).join(', ') : cleanAnime(value);
      if (c.anime) labelled++;
    } else if ((field === 'rarity' && c.rarity === null) || field === 'newRarity') {
      const r = cleanRarity(value, prefix);
      c.rarity = r.rarity;
      c.rarityEmoji = r.emoji;
    } else if (field === 'id' && c.sourceId === null) {
      c.sourceId = cleanId(value);
      if (c.sourceId) labelled++;
    } else if (field === 'characters' && c.name === null) {
      const d = danbooruCharacters(value, extractHashtags(lines.map((x) => x.text).join('\n')));
      c.name = cleanName(d.name).value;
      c.anime ??= d.anime;
      if (c.name) labelled++;
      c.family = 'danbooru';
    } else if (field === 'variant' && c.variant === null) {
      c.variant = cleanAnime(value);
    }
  }
  if (newName) c.name = newName;

  // Emoji-only labels (inline share cards): 🆔 is the id; the others are name, then anime.
  const positional: string[] = [];
  for (const l of emojiLabels) {
    if (ID_EMOJI_RE.test(l.emoji!)) c.sourceId ??= cleanId(l.value);
    else positional.push(l.value!);
  }
  if (emojiLabels.length) {
    if (c.name === null && positional[0] !== undefined) nameFromLine(positional.shift()!, c);
    if (c.anime === null && positional[0] !== undefined) c.anime = cleanAnime(positional.shift());
    c.family = c.family === 'labeled' ? 'emoji_labeled' : c.family;
  }

  if (idLine) {
    c.sourceId ??= idLine.id!;
    if (c.name === null) nameFromLine(idLine.name!, c);
    // "ID: 14 | Rem (Re:Zero)": the series in parentheses after the name.
    const paren = c.anime === null && c.name ? NAME_PAREN_RE.exec(c.name) : null;
    if (paren && /\p{Script=Latin}/u.test(paren[2]!) && !/^\s*[x×]?\d/.test(paren[2]!)) {
      c.name = cleanName(paren[1]).value;
      c.anime = cleanAnime(paren[2]);
    }
    if (c.anime === null) {
      // OwO/Grab Garden: bare anime line above the id line; grabber: the line below it.
      const before = lines.slice(0, idLine.index).filter((l) => l.kind !== 'blank');
      const prev = before[before.length - 1];
      const next = lines.slice(idLine.index + 1).find((l) => l.kind !== 'blank');
      if (prev && (isPlain(prev) || prev.kind === 'event')) {
        c.anime = cleanAnime(prev.text);
        c.family = 'owo_id_colon';
      } else if (next && isPlain(next)) {
        c.anime = cleanAnime(next.text);
        c.family = 'grabber_id_colon';
        // Unlabelled grabber variant: "<id>: <name>\n<anime>\n<rarity>".
        const third = lines.slice(next.index + 1).find((l) => l.kind !== 'blank');
        if (c.rarity === null && third && isPlain(third) && bareRarity(third.text))
          c.rarity = cleanRarity(third.text).rarity;
      } else c.family = 'id_colon';
    } else c.family = 'id_colon';
  }
  if (!labelled && !idLine && !emojiLabels.length) return null;

  if (c.name === null) {
    // Unlabelled name under a branded header ("『 NOBITA ✘ CATCHER 』....!!\n Hinata Hyuga").
    const firstField = lines.find((l) => l.kind === 'label' || l.kind === 'emojiLabel' || l.kind === 'idName');
    // A name wrapped in emoji on the first line ("✨ Kurumi Tokisaki ✨") comes before the plain lines.
    const firstContent = lines.find((l) => l.kind !== 'blank');
    const cand =
      (firstContent?.kind === 'event' && (!firstField || firstContent.index < firstField.index)
        ? firstContent
        : undefined) ??
      lines.find((l) => isPlain(l) && (!firstField || l.index < firstField.index)) ??
      lines.find(isPlain);
    if (cand) {
      const variantBefore = c.variant;
      nameFromLine(cand.text, c);
      // "✨ Name ✨": the closing emoji mirrors the opening one, it is decoration, not a variant.
      if (cand.kind === 'event' && c.variant && cand.text.startsWith(c.variant)) c.variant = variantBefore;
      const nm = c.name as string | null;
      if (nm && c.anime && nm.toLowerCase().startsWith(`${c.anime.toLowerCase()}:`)) {
        // WaifuxGrabBot repeats the series: "➤ Oshi no Ko: Ai Hoshino 🟠" + "• Series: Oshi no Ko".
        c.name = nm.slice(c.anime.length + 1).trim() || nm;
      }
      if (c.name) c.confidence -= 0.1;
      // Inline cards with only emoji labels: "⟹ <name>\n⟹ <anime>\n🆔: 512".
      // Or, past the fields, a decorated series line ("Zero Two\n🟡 Legendary • 🆔 1016\n📺 Darling in the FranXX").
      const next =
        lines.find((l) => isPlain(l) && l.index > cand.index && (!firstField || l.index < firstField.index)) ??
        lines.find((l) => isPlain(l) && l.index > cand.index && LEAD_EMOJI_RE.test(l.text));
      if (c.anime === null && next && !labelLines.some((l) => l.label!.field === 'anime'))
        c.anime = cleanAnime(next.text);
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
  if (c.variant === null) {
    const ev = lines.find((l) => l.kind === 'event');
    if (ev) c.variant = cleanAnime(ev.text);
  }
  if (c.name === null) c.confidence = 0.35;
  else if (c.anime === null && c.sourceId === null) c.confidence -= 0.15;
  return c;
}
