/** Admin login, session and API tokens. */
import { z } from 'zod';
import { idSchema, text, timestamp } from './common.js';

export const loginBody = z
  .object({ username: text(100).min(1), password: text(200).min(1) })
  .meta({ id: 'LoginRequest' });

export const sessionInfo = z
  .object({
    username: z.string(),
    csrf_token: z.string().meta({ description: 'Send back as X-CSRF-Token on every state-changing request.' }),
    expires_at: timestamp,
  })
  .meta({ id: 'Session' });
export type SessionInfo = z.infer<typeof sessionInfo>;

export const endedSessions = z.object({ ended: z.number().int() });

export const apiToken = z
  .object({
    id: idSchema,
    name: z.string(),
    prefix: z.string(),
    created_at: timestamp,
    last_used_at: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken', description: 'A read-only token for external apps; the secret is shown once, at creation.' });
export type ApiToken = z.infer<typeof apiToken>;

export const createTokenBody = z.object({ name: text(100).trim().min(1) });
export const createdToken = z
  .object({
    token: z.string().meta({ description: 'Send as `Authorization: Bearer <token>`. Shown only now.' }),
    api_token: apiToken,
  })
  .meta({ id: 'CreatedApiToken' });
export type CreatedToken = z.infer<typeof createdToken>;
export const tokenList = z.object({ items: z.array(apiToken) });
export type TokenList = z.infer<typeof tokenList>;

export const sessionState = z
  .object({ session: sessionInfo.nullable() })
  .meta({ id: 'SessionState', description: 'The current session, or null for a visitor (never a 401).' });
export type SessionState = z.infer<typeof sessionState>;
