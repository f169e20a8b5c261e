// Caption parser entry point (issue 3). Pipeline: strip Telethon markup → normalise (mojibake,
// invisibles, NFKC, small caps) → per-channel template → classify lines → families in order of
// specificity → finalise (per-channel emoji table, confidence, review flag). Pure and sync.
import { emptyCandidate, type Candidate } from './families/candidate.js';
import { extractEvent, isEventMessage, isRarityLegend } from './families/events.js';
import { extractFreeform } from './families/freeform.js';
import { extractPixiv, extractSlashId } from './families/pixiv.js';
import { extractSentence } from './families/sentences.js';
import { extractStructured } from './families/structured.js';
import { extractHashtags, hashtagOnly } from './families/tags.js';
import { splitLines, type Line } from './lines.js';
import { SUSPECT_RE, repairMojibake } from './mojibake.js';
import { normalizeCaptionText } from './normalize.js';
import { stripMarkup } from './strip-markup.js';
import type { CaptionEntity, CaptionKind, CompiledTemplate, ParseOptions, ParsedCaption } from './types.js';
import { cleanAnime, cleanId, cleanName, cleanRarity, joinCharacters } from './values.js';

export type { CaptionEntity, ParseOptions, ParsedCaption } from './types.js';
export { normalizeForSearch } from './normalize.js';

/** Captions below this confidence are flagged needs_review. */
export const NEEDS_REVIEW_THRESHOLD = 0.6;
/** Telegram captions are ≤ 2048 chars (messages ≤ 4096); anything past this is not a caption. */
export const MAX_CAPTION_CHARS = 16_384;

function fromTemplate(t: CompiledTemplate, text: string): Candidate | null {
  const m = t.match(text);
  if (!m.ok) return null;
  const f = m.fields;
  const c = emptyCandidate('template', 0.97);
  const n = cleanName(f.name);
  c.name = n.value ? joinCharacters(n.value) : null;
  c.variant = f.variant?.trim() || n.variant;
  c.anime = cleanAnime(f.anime);
  const r = cleanRarity(f.rarity ?? null, f.rarity_emoji ?? '');
  c.rarity = r.rarity;
  c.rarityEmoji = f.rarity_emoji?.trim() || r.emoji;
  c.sourceId = cleanId(f.source_id);
  if (!c.name && !c.anime && !c.sourceId) return null;
  if (!c.name) c.confidence = 0.7;
  return c;
}

function extractBuiltIn(text: string, urls: readonly string[], opts?: ParseOptions | null): Candidate | null {
  const lines = splitLines(text);
  // Shape first: an event message or a rarity legend is never read as a character caption.
  if (isEventMessage(lines, text)) return extractEvent(lines);
  if (isRarityLegend(lines)) return emptyCandidate('rarity_legend', 0.9);
  const found =
    extractStructured(lines) ??
    extractSlashId(lines) ??
    extractPixiv(lines, urls) ??
    extractSentence(lines) ??
    extractFreeform(lines, opts?.channel);
  if (found) return found;
  if (lines.every((l) => l.kind === 'hashtags' || l.kind === 'blank')) {
    const h = hashtagOnly(extractHashtags(text));
    const name = cleanName(h.name).value;
    if (name) return { ...emptyCandidate('hashtags', 0.3), name, anime: cleanAnime(h.anime) };
  }
  return null;
}

const MARKUP_CHARS_RE = /[`*_~<&[]/g;

function markupCount(s: string): number {
  return s.match(MARKUP_CHARS_RE)?.length ?? 0;
}

/**
 * NFKC can *create* markup or mojibake (U+1FEF → "`", "A\u0308" → "Ä"); re-strip until stable
 * so that parsing is idempotent on its own output. One pass for ordinary captions.
 */
function normalizeFully(plain: string): string {
  let norm = normalizeCaptionText(plain);
  for (
    let i = 0;
    i < 3 &&
    norm !== plain &&
    (markupCount(norm) > markupCount(plain) || (SUSPECT_RE.test(norm) && !SUSPECT_RE.test(plain)));
    i++
  ) {
    plain = norm;
    norm = normalizeCaptionText(stripMarkup(norm).text);
  }
  return norm.trim();
}

function lookupEmoji(table: Record<string, string>, emoji: string): string | null {
  return table[emoji] ?? table[emoji.replace(/\uFE0F/g, '')] ?? table[`${emoji.replace(/\uFE0F/g, '')}\uFE0F`] ?? null;
}

export function parseCaption(
  text: string,
  entities?: CaptionEntity[] | null,
  opts?: ParseOptions | null,
): ParsedCaption {
  const raw = typeof text === 'string' ? text.slice(0, MAX_CAPTION_CHARS) : '';
  const { text: plain, urls } = stripMarkup(raw, Array.isArray(entities) ? entities : null);
  const norm = normalizeFully(plain);
  if (!norm) return { ...emptyCandidate('empty', 0), kind: 'not_character', needsReview: false };

  let c: Candidate | null = null;
  // A channel template never turns a spawn message or a rarity legend into a character.
  if (opts?.template && !eventOrLegend(norm)) {
    c = fromTemplate(opts.template, norm);
  }
  if (!c) {
    c = extractBuiltIn(norm, urls, opts) ?? emptyCandidate('none', 0.3);
    // A channel with a template whose post does not match it deserves a look.
    if (opts?.template) c.confidence -= 0.1;
  }
  // Emoji-only rarity (WaifuxGrabBot): map through the channel's own table, never a global one.
  if (c.rarity && c.rarity === c.rarityEmoji && opts?.rarityEmojis) {
    c.rarity = lookupEmoji(opts.rarityEmojis, c.rarity) ?? c.rarity;
  }
  // Mojibake that could not be repaired safely stays as posted, but an admin should look.
  if (SUSPECT_RE.test(plain) && SUSPECT_RE.test(repairMojibake(plain))) c.confidence = Math.min(c.confidence, 0.5);
  const confidence = Math.round(Math.min(1, Math.max(0, c.confidence)) * 100) / 100;
  return { ...c, kind: kindOf(c), confidence, needsReview: confidence < NEEDS_REVIEW_THRESHOLD };
}

function eventOrLegend(norm: string): boolean {
  const lines = splitLines(norm);
  return isEventMessage(lines, norm) || isRarityLegend(lines);
}

function kindOf(c: Candidate): CaptionKind {
  if (c.family === 'event') return 'event';
  return c.name || c.anime || c.sourceId ? 'character' : 'not_character';
}

/** A caption as the families and templates see it: markup stripped, normalised, trimmed. */
export function captionText(text: string, entities?: CaptionEntity[] | null): string {
  const raw = typeof text === 'string' ? text.slice(0, MAX_CAPTION_CHARS) : '';
  return normalizeFully(stripMarkup(raw, entities ?? null).text);
}

/** The classified lines of a caption, as the families see them (channel statistics, induction). */
export function captionLines(text: string, entities?: CaptionEntity[] | null): Line[] {
  return splitLines(captionText(text, entities));
}
