import { BadRequestError } from '../errors.js';
import type { ParsedCaption } from './types.js';
import { captionText } from './parse-caption.js';

/** Why a captioned post is kept out of the gallery. */
export type NonCharacterReason = 'bot_event' | 'not_character';

/**
 * The one rule for which posts become characters. Bot spawn/despawn/claim messages, rarity legends and notices
 * (announcements, "not found" replies, credits, emoji only) are skipped. A caption the parser could not read but that
 * looks like data (name-like lines, no sentence) is still stored, flagged for review: its picture is not lost. A
 * post without any caption is stored too: its picture is a character an admin can name later.
 */
export function nonCharacterReason(parsed: ParsedCaption | null, caption: string): NonCharacterReason | null {
  if (!parsed) return null;
  if (parsed.kind === 'event') return 'bot_event';
  if (parsed.kind !== 'not_character' || parsed.family === 'empty') return null;
  if (parsed.family === 'rarity_legend' || noticeShaped(caption)) return 'not_character';
  return null;
}

// Words of bot notices and channel announcements (a caption the parser could not read that carries one is not data).
const NOTICE_RE =
  /\b(?:announcement|announce|maintenance|update|updates|giveaway|event|join|subscribe|follow|credits?|support|not found|no character|gift|winners?|prizes?|tonight|tomorrow|welcome|rules|leaderboard)\b/iu;
// Sentences end with punctuation; data lines ("Saber ^ #0100", "just a picture") do not.
const SENTENCE_END_RE = /[.!?…](?:\s|$)/u;

/** No letters at all, a mention or a link, a sentence, or a notice word. */
function noticeShaped(caption: string): boolean {
  const text = captionText(caption);
  if (!/\p{L}/u.test(text)) return true;
  return /@\w|https?:\/\/|t\.me\//iu.test(text) || SENTENCE_END_RE.test(text) || NOTICE_RE.test(text);
}

const MESSAGES: Record<NonCharacterReason, string> = {
  bot_event: 'the caption is a bot event message (a spawn, despawn or claim), not a character',
  not_character: 'the caption names no character (a rarity legend, an announcement or decoration only)',
};

/** Nothing was stored: the post is not a character (a 400 when it reaches HTTP). */
export class NotCharacterPostError extends BadRequestError {
  constructor(readonly reason: NonCharacterReason) {
    super(`${MESSAGES[reason]}: give a name to store it`, { reason }, 'not_a_character');
  }
}
