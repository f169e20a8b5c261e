/** The chat command a player copies to claim a character, e.g. "/guess Nico Robin" (issue 12). */
import type { Queryable } from '../db/database.js';
import { normalizeForSearch } from '../captions/normalize.js';
import { findCharacterById } from '../repos/characters.repo.js';
import { getGuessSettings, type GuessSettings } from '../repos/settings.repo.js';
import { listOtherNamesContaining } from '../repos/name-words.repo.js';
import { NotFoundError } from '../errors.js';

/** The words of a name (letters and digits of any script), in order. */
export function nameWords(name: string): string[] {
  return name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * The shortest word of `name` that none of `otherNames` (normalised, see normalizeForSearch) has as
 * a word; ties keep the earlier word. Null when every word is shared (the full name is then needed).
 */
export function shortestUniqueWord(name: string, otherNames: string[]): string | null {
  const taken = new Set(otherNames.flatMap((n) => nameWords(n)));
  const unique = nameWords(name).filter((w) => !taken.has(normalizeForSearch(w)));
  return unique.reduce<string | null>((best, w) => (best === null || w.length < best.length ? w : best), null);
}

/** Formats the command; `uniqueWord` is used by the shortest_unique form (falls back to the full name). */
export function formatGuess(s: GuessSettings, name: string, uniqueWord: string | null = null): string {
  const trimmed = name.trim();
  const word =
    s.name_form === 'first'
      ? (nameWords(trimmed)[0] ?? trimmed)
      : s.name_form === 'shortest_unique'
        ? (uniqueWord ?? trimmed)
        : trimmed;
  return `${s.command} ${word}`;
}

/** The guess command for a visible character by id; NotFoundError when it is missing, hidden or unnamed. */
export async function guessCommandFor(
  db: Queryable,
  characterId: string,
): Promise<{ text: string; settings: GuessSettings }> {
  const c = await findCharacterById(db, characterId);
  if (!c || c.hidden || c.deletedAt || !c.name?.trim())
    throw new NotFoundError(`character ${characterId} not found or has no name`);
  const settings = await getGuessSettings(db);
  let unique: string | null = null;
  if (settings.name_form === 'shortest_unique') {
    const words = nameWords(c.name).map((w) => normalizeForSearch(w));
    unique = shortestUniqueWord(c.name, await listOtherNamesContaining(db, c.id, words));
  }
  return { text: formatGuess(settings, c.name, unique), settings };
}
