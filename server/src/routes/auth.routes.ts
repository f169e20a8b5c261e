/** Admin login/logout/me, "log out everywhere", and the admin's API tokens. */
import { Router, type RequestHandler } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthService, ValidSession } from '@waifudex/core/services/auth.service';
import { NotFoundError, UnauthorizedError } from '@waifudex/core/errors';
import {
  createTokenBody,
  endedSessions,
  idParams,
  loginBody,
  type CreatedToken,
  type SessionInfo,
  type SessionState,
  type TokenList,
  type ApiToken,
} from '@waifudex/core/api/index';
import type { ApiTokenRow } from '@waifudex/core/repos/admins.repo';
import { parseOr400 } from '../middleware/validate.js';
import { checkCsrf, clearSessionCookie, setSessionCookie } from '../middleware/auth.js';
import { createLoginLimiter, type LoginLimiter } from '../middleware/login-limiter.js';

const presentSession = (s: Pick<ValidSession, 'username' | 'csrfToken' | 'expiresAt'>) =>
  ({ username: s.username, csrf_token: s.csrfToken, expires_at: s.expiresAt.toISOString() }) satisfies SessionInfo;

const presentToken = (t: ApiTokenRow) =>
  ({
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    created_at: t.createdAt,
    last_used_at: t.lastUsedAt,
  }) satisfies ApiToken;

export interface AuthRoutesDeps {
  auth: AuthService;
  limiter?: LoginLimiter;
  /** Guard of admin-only routes that API tokens may not use (token management). */
  requireSessionAdmin: RequestHandler;
  publicUrl?: string;
}

export function authRoutes(deps: AuthRoutesDeps): Router {
  const limiter = deps.limiter ?? createLoginLimiter();
  const admin = deps.requireSessionAdmin;
  const r = Router();
  r.post('/api/v1/auth/login', async (req, res) => {
    const body = parseOr400(loginBody, req.body, 'login');
    const attempt = limiter.begin(req.ip ?? 'unknown', body.username);
    let result: Awaited<ReturnType<AuthService['login']>> = null;
    try {
      if (attempt.delayMs) await sleep(attempt.delayMs);
      result = await deps.auth.login(body.username, body.password);
    } finally {
      attempt.settle(result !== null);
    }
    if (!result) throw new UnauthorizedError('wrong username or password');
    setSessionCookie(req, res, result.token, result.session.expiresAt);
    res.json(presentSession(result.session));
  });
  r.get('/api/v1/auth/me', (req, res) => {
    if (!req.admin) throw new UnauthorizedError('not logged in');
    res.json(presentSession(req.admin));
  });
  // The web app asks this on every load: an anonymous visit is a normal answer, not a 401 in the console.
  r.get('/api/v1/auth/session', (req, res) => {
    const a = req.admin;
    res.json({
      session: a ? { username: a.username, csrf_token: a.csrfToken, expires_at: a.expiresAt.toISOString() } : null,
    } satisfies SessionState);
  });
  // Logout changes state, so it needs the CSRF token too: otherwise any site could log the admin out.
  r.post('/api/v1/auth/logout', async (req, res) => {
    if (req.admin) {
      checkCsrf(req, req.admin, deps.publicUrl);
      await deps.auth.logout(req.admin.sessionId);
    }
    clearSessionCookie(req, res);
    res.status(204).end();
  });
  r.post('/api/v1/auth/sessions/end-all', admin, async (req, res) => {
    const ended = await deps.auth.endAllSessions();
    clearSessionCookie(req, res);
    res.json({ ended } satisfies typeof endedSessions._output);
  });

  r.get('/api/v1/admin/tokens', admin, async (_req, res) => {
    res.json({ items: (await deps.auth.listApiTokens()).map(presentToken) } satisfies TokenList);
  });
  r.post('/api/v1/admin/tokens', admin, async (req, res) => {
    const { name } = parseOr400(createTokenBody, req.body, 'body');
    const { token, row } = await deps.auth.createApiToken(name, req.admin?.adminId ?? null);
    res.status(201).json({ token, api_token: presentToken(row) } satisfies CreatedToken);
  });
  r.delete('/api/v1/admin/tokens/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    if (!(await deps.auth.revokeApiToken(id))) throw new NotFoundError(`no API token ${id}`);
    res.status(204).end();
  });
  return r;
}
