/**
 * Runtime settings an admin edits in the UI (issue 12):
 *   GET /api/v1/settings                   → { guess: { command, name_form } }   (public: the web app formats the command)
 *   PUT /api/v1/admin/settings/guess       → the stored guess setting            (admin, CSRF)
 *   GET /api/v1/characters/:id/guess       → { text: "/guess Nico Robin" }       (public; needed for name_form shortest_unique)
 */
import { Router, type RequestHandler } from 'express';
import { idParams, type GuessText, type PublicSettings } from '@waifudex/core/api/index';
import type { Db } from '@waifudex/core/db/database';
import { getGuessSettings, guessSettingsSchema, updateGuessSettings } from '@waifudex/core/repos/settings.repo';
import { guessCommandFor } from '@waifudex/core/services/guess-command';
import { parseOr400 } from '../middleware/validate.js';

export function settingsRoutes(deps: { db: Db; requireAdmin: RequestHandler }): Router {
  const r = Router();
  r.get('/api/v1/settings', async (_req, res) => {
    res.json({ guess: await getGuessSettings(deps.db) } satisfies PublicSettings);
  });
  r.put('/api/v1/admin/settings/guess', deps.requireAdmin, async (req, res) => {
    const body = parseOr400(guessSettingsSchema.strict(), req.body, 'guess setting');
    res.json({ guess: await updateGuessSettings(deps.db, body) } satisfies PublicSettings);
  });
  r.get('/api/v1/characters/:id/guess', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { text } = await guessCommandFor(deps.db, id);
    res.json({ text } satisfies GuessText);
  });
  return r;
}
