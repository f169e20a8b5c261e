import { BadRequestError } from '../errors.js';
import type { ParsedCaption } from './types.js';

/** Why a captioned post is kept out of the gallery. */
export type NonCharacterReason = 'bot_event' | 'not_character';

/**
 * The one rule for which posts become characters. Bot spawn/despawn/claim messages and captions with no character
 * field (rarity legends, announcements, "not found" replies, credits or emoji only) are skipped. A post without any
 * caption is still stored: its picture is a character an admin can name later.
 */
export function nonCharacterReason(parsed: ParsedCaption | null): NonCharacterReason | null {
  if (!parsed) return null;
  if (parsed.kind === 'event') return 'bot_event';
  if (parsed.kind === 'not_character' && parsed.family !== 'empty') return 'not_character';
  return null;
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
