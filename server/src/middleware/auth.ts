/**
 * Session cookie → req.admin, and CSRF for state-changing admin requests: the per-session token must come
 * back in the X-CSRF-Token header (a cross-site form cannot set headers), and a present Origin must be ours.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { AuthService, ValidSession } from '@waifudex/core/services/auth.service';
import { ForbiddenError, UnauthorizedError } from '@waifudex/core/errors';

export const SESSION_COOKIE = 'wdx_session';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'express-serve-static-core' {
  interface Request {
    admin?: ValidSession;
  }
}

function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

/** Sets the session cookie (HttpOnly, SameSite=Lax, Secure behind https). */
export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: Date): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', expires: expiresAt });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** Attaches req.admin when the cookie names a live session (refreshing the cookie on sliding renewal). */
export function sessionMiddleware(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token && /^[a-z2-7]{20,64}$/.test(token)) {
      const session = await auth.validate(token);
      if (session) {
        req.admin = session;
        if (session.refreshed) setSessionCookie(req, res, token, session.expiresAt);
      } else {
        clearSessionCookie(res);
      }
    }
    next();
  };
}

/** Requires a logged-in admin, and for unsafe methods a matching CSRF token and same-origin request. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (!req.admin) throw new UnauthorizedError('login required (session missing or expired)');
  if (!SAFE.has(req.method)) {
    if (req.get('x-csrf-token') !== req.admin.csrfToken) throw new ForbiddenError('missing or wrong CSRF token');
    const origin = req.get('origin');
    if (origin && new URL(origin).host !== req.get('host')) throw new ForbiddenError('cross-origin request refused');
  }
  next();
};
