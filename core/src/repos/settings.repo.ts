/** SQL for admin-editable runtime settings (table app_settings), each value validated by its zod schema. */
import type { Queryable } from '../db/database.js';

export { guessSettings as guessSettingsSchema, type GuessSettings } from '../api/settings.js';
import type { GuessSettings } from '../api/settings.js';
import { guessSettings as guessSettingsSchema } from '../api/settings.js';
import {
  visitorSettings as visitorSettingsSchema,
  type RegistrationMode,
  type VisitorSettings,
} from '../api/visitors.js';
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

const VISITORS_KEY = 'visitors';

/** Visitor accounts and comments; unset → registration from REGISTRATION (`envRegistration`), comments off. */
export async function getVisitorSettings(q: Queryable, envRegistration: RegistrationMode): Promise<VisitorSettings> {
  const r = await q.query<{ value: unknown }>(`SELECT value FROM app_settings WHERE key = $1`, [VISITORS_KEY]);
  const parsed = visitorSettingsSchema.partial().safeParse(r.rows[0]?.value);
  const stored = parsed.success ? parsed.data : {};
  return { registration: stored.registration ?? envRegistration, comments: stored.comments ?? false };
}

/** Stores the visitor settings (already validated) and returns them. */
export async function updateVisitorSettings(q: Queryable, s: VisitorSettings): Promise<VisitorSettings> {
  await q.query(
    `INSERT INTO app_settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [VISITORS_KEY, JSON.stringify(s)],
  );
  return s;
}
