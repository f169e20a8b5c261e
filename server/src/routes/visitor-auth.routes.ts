/** Visitor accounts: what sign-up allows, sign up (open or by invite), log in, log out, the current session. */
import { Router } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '@waifudex/core/db/database';
import type { VisitorAuthService, VisitorSession } from '@waifudex/core/services/visitor-auth.service';
import { UnauthorizedError } from '@waifudex/core/errors';
import { getVisitorSettings } from '@waifudex/core/repos/settings.repo';
import {
  MAX_COMMENT_LENGTH,
  signupBody,
  visitorLoginBody,
  type RegistrationMode,
  type VisitorConfig,
  type VisitorSession as VisitorSessionDto,
  type VisitorSessionState,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { checkCsrf } from '../middleware/auth.js';
import { createLoginLimiter, type LoginLimiter } from '../middleware/login-limiter.js';
import { clearVisitorCookie, setVisitorCookie } from '../middleware/visitor-auth.js';
import { signupRateLimit } from '../middleware/signup-rate-limit.js';

const present = (s: Pick<VisitorSession, 'username' | 'csrfToken' | 'expiresAt'>): VisitorSessionDto => ({
  username: s.username,
  csrf_token: s.csrfToken,
  expires_at: s.expiresAt.toISOString(),
});

export interface VisitorAuthRoutesDeps {
  db: Db;
  visitorAuth: VisitorAuthService;
  /** REGISTRATION: the mode until the admin picks one in the panel. */
  registration: RegistrationMode;
  limiter?: LoginLimiter;
  signupsPerHour?: number;
  publicUrl?: string;
}

export function visitorAuthRoutes(deps: VisitorAuthRoutesDeps): Router {
  const limiter = deps.limiter ?? createLoginLimiter();
  const r = Router();
  r.get('/api/v1/visitor/config', async (_req, res) => {
    const s = await getVisitorSettings(deps.db, deps.registration);
    res.json({ ...s, max_comment_length: MAX_COMMENT_LENGTH } satisfies VisitorConfig);
  });
  r.post('/api/v1/visitor/signup', signupRateLimit({ perHour: deps.signupsPerHour ?? 10 }), async (req, res) => {
    const body = parseOr400(signupBody, req.body, 'sign-up');
    const { registration } = await getVisitorSettings(deps.db, deps.registration);
    const { token, session } = await deps.visitorAuth.signup(registration, body.username, body.password, body.invite);
    setVisitorCookie(req, res, token, session.expiresAt);
    res.status(201).json(present(session));
  });
  r.post('/api/v1/visitor/login', async (req, res) => {
    const body = parseOr400(visitorLoginBody, req.body, 'login');
    const attempt = limiter.begin(req.ip ?? 'unknown', body.username);
    let result: Awaited<ReturnType<VisitorAuthService['login']>> = null;
    try {
      if (attempt.delayMs) await sleep(attempt.delayMs);
      result = await deps.visitorAuth.login(body.username, body.password);
    } finally {
      attempt.settle(result !== null);
    }
    if (!result) throw new UnauthorizedError('wrong username or password');
    setVisitorCookie(req, res, result.token, result.session.expiresAt);
    res.json(present(result.session));
  });
  r.get('/api/v1/visitor/session', (req, res) => {
    res.json({ session: req.visitor ? present(req.visitor) : null } satisfies VisitorSessionState);
  });
  r.post('/api/v1/visitor/logout', async (req, res) => {
    if (req.visitor) {
      checkCsrf(req, req.visitor, deps.publicUrl);
      await deps.visitorAuth.logout(req.visitor.sessionId);
    }
    clearVisitorCookie(req, res);
    res.status(204).end();
  });
  return r;
}
