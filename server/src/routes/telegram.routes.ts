/**
 * The Telegram account of the sync: session health, login from the browser through the injected login
 * driver (this server never talks to Telegram itself), and logout. Answers (code, 2FA password) are
 * handed to the sign-in and never stored or logged; the session is saved encrypted and never returned.
 */
import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { Db } from '@waifudex/core/db/database';
import { listSyncOverview } from '@waifudex/core/repos/sync-runs.repo';
import type { TelegramSessionStore } from '@waifudex/core/services/telegram-session.service';
import type { LoginFlowState, TelegramLoginService } from '@waifudex/core/services/telegram-login.service';
import {
  loginAnswerBody,
  loginStartBody,
  type LoginFlow,
  type TelegramStatus,
  type telegramLoggedOut,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';

export interface TelegramRoutesDeps {
  db: Db;
  requireAdmin: RequestHandler;
  store: Pick<TelegramSessionStore, 'status' | 'clear'>;
  login: TelegramLoginService;
  configured: boolean;
}

const present = (f: LoginFlowState): LoginFlow => ({
  id: f.id,
  method: f.method,
  step: f.step,
  message: f.message,
  qr_url: f.qrUrl,
  qr_expires_at: f.qrExpiresAt,
  flood_wait_until: f.floodWaitUntil,
  account: f.account,
});

export function telegramRoutes(deps: TelegramRoutesDeps): Router {
  const r = Router();
  const admin = deps.requireAdmin;
  // login answers must not be cached anywhere on the way
  const noStore: RequestHandler = (_req, res, next) => void (res.set('cache-control', 'no-store'), next());

  r.get('/api/v1/admin/telegram', admin, noStore, async (_req, res) => {
    const [s, overview] = await Promise.all([deps.store.status(), listSyncOverview(deps.db)]);
    const waits = overview
      .map((o) => o.running?.counts.waitingUntil)
      .filter((w): w is string => Boolean(w) && Date.parse(w!) > Date.now());
    const flow = deps.login.state();
    res.json({
      configured: deps.configured,
      browser_login: deps.configured && deps.login.available,
      session: { state: s.state, account: s.accountLabel, message: s.message, updated_at: s.updatedAt },
      flood_wait_until: waits.sort().at(-1) ?? null,
      login: flow ? present(flow) : null,
    } satisfies TelegramStatus);
  });

  r.post('/api/v1/admin/telegram/login', admin, noStore, async (req, res) => {
    const { method } = parseOr400(loginStartBody, req.body ?? {}, 'body');
    res.status(202).json(present(await deps.login.start(method)));
  });

  r.post('/api/v1/admin/telegram/login/answer', admin, noStore, async (req, res) => {
    const { id, step, value } = parseOr400(loginAnswerBody, req.body ?? {}, 'body');
    res.json(present(await deps.login.answer(id, step, value)));
  });

  r.delete('/api/v1/admin/telegram/login', admin, (_req, res) => {
    deps.login.cancel();
    res.status(204).end();
  });

  r.post('/api/v1/admin/telegram/logout', admin, async (_req, res) => {
    deps.login.cancel();
    await deps.store.clear();
    res.json({ ok: true } satisfies z.infer<typeof telegramLoggedOut>);
  });
  return r;
}
