/** SQL for admin-editable runtime settings (table app_settings), each value validated by its zod schema. */
import { z } from 'zod';
import type { Queryable } from '../db/database.js';

/** How the "who is this?" answer spells the chat command a player copies, e.g. "/guess Nico Robin". */
export const guessSettingsSchema = z.object({
  /** The bot's command, with its slash: /guess, /grab, /catch … */
  command: z.string().trim().regex(/^\/[A-Za-z0-9_]{1,32}$/, 'must be a slash and 1–32 letters, digits or _ (like /guess)'),
  /** full name, first name word, or the shortest word of the name that no other character's name contains. */
  name_form: z.enum(['full', 'first', 'shortest_unique']),
});
export type GuessSettings = z.infer<typeof guessSettingsSchema>;
export const DEFAULT_GUESS_SETTINGS: GuessSettings = { command: '/guess', name_form: 'full' };

const GUESS_KEY = 'guess';

/** The guess command setting, or the default when unset (or stored by a version whose shape differs). */
export async function getGuessSettings(q: Queryable): Promise<GuessSettings> {
  const r = await q.query<{ value: unknown }>(`SELECT value FROM app_settings WHERE key = $1`, [GUESS_KEY]);
  const parsed = guessSettingsSchema.safeParse(r.rows[0]?.value);
  return parsed.success ? parsed.data : DEFAULT_GUESS_SETTINGS;
}

/** Stores the guess command setting (already validated) and returns it. */
export async function updateGuessSettings(q: Queryable, s: GuessSettings): Promise<GuessSettings> {
  await q.query(
    `INSERT INTO app_settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [GUESS_KEY, JSON.stringify(s)],
  );
  return s;
}
