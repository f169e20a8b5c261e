/** Admin login/logout/me. */
import { Router } from 'express';
import { z } from 'zod';
import type { AuthService } from '@waifudex/core/services/auth.service';
import { UnauthorizedError } from '@waifudex/core/errors';
import { parseOr400 } from '../middleware/validate.js';
import { clearSessionCookie, setSessionCookie } from '../middleware/auth.js';
import { createFailureLimiter } from '../middleware/rate-limit.js';

const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

export function authRoutes(deps: { auth: AuthService; limiter?: ReturnType<typeof createFailureLimiter> }): Router {
  const limiter = deps.limiter ?? createFailureLimiter({ max: 5, windowMs: 15 * 60_000 });
  const r = Router();
  r.post('/api/v1/auth/login', async (req, res) => {
    const body = parseOr400(loginBody, req.body, 'login');
    const keys = [`ip:${req.ip}`, `user:${body.username.toLowerCase()}`];
    keys.forEach((k) => limiter.check(k));
    const result = await deps.auth.login(body.username, body.password);
    if (!result) {
      keys.forEach((k) => limiter.fail(k));
      throw new UnauthorizedError('wrong username or password');
    }
    keys.forEach((k) => limiter.succeed(k));
    setSessionCookie(req, res, result.token, result.session.expiresAt);
    res.json({ username: result.session.username, csrf_token: result.session.csrfToken, expires_at: result.session.expiresAt.toISOString() });
  });
  r.get('/api/v1/auth/me', (req, res) => {
    if (!req.admin) throw new UnauthorizedError('not logged in');
    res.json({ username: req.admin.username, csrf_token: req.admin.csrfToken, expires_at: req.admin.expiresAt.toISOString() });
  });
  // The web app asks this on every load: an anonymous visit is a normal answer, not a 401 in the console.
  r.get('/api/v1/auth/session', (req, res) => {
    const a = req.admin;
    res.json({ session: a ? { username: a.username, csrf_token: a.csrfToken, expires_at: a.expiresAt.toISOString() } : null });
  });
  r.post('/api/v1/auth/logout', async (req, res) => {
    if (req.admin) await deps.auth.logout(req.admin.sessionId);
    clearSessionCookie(res);
    res.status(204).end();
  });
  return r;
}
