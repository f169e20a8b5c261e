/**
 * Who is calling: the admin session cookie → req.admin, or a read-only API token → req.apiToken.
 * CSRF for state-changing admin requests: the per-session token must come back in the X-CSRF-Token header
 * (a cross-site form cannot set headers), and a present Origin must be ours (PUBLIC_URL when configured).
 */
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import type { AuthService, ValidSession, ValidApiToken } from '@waifudex/core/services/auth.service';
import { ForbiddenError, UnauthorizedError } from '@waifudex/core/errors';

export const SESSION_COOKIE = 'wdx_session';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN_SHAPE = /^[a-z2-7]{20,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    admin?: ValidSession;
    apiToken?: ValidApiToken;
  }
}

/** The session token from the Cookie header; a malformed header or value is simply "no session". */
function readSessionToken(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  // cookie.parse leaves a value it cannot percent-decode as it is instead of throwing.
  const value = parseCookies(header)[SESSION_COOKIE];
  return value && TOKEN_SHAPE.test(value) ? value : null;
}

/** Sets the session cookie (HttpOnly, SameSite=Lax; Secure when the request came over https, directly or through the trusted proxy). */
export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: Date): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
}

/** Attaches req.admin (refreshing the cookie on sliding renewal) or req.apiToken. */
export function sessionMiddleware(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (bearer !== undefined) {
      const token = await auth.validateApiToken(bearer);
      if (!token) throw new UnauthorizedError('invalid or revoked API token');
      req.apiToken = token;
      return next();
    }
    const token = readSessionToken(req);
    if (token) {
      const session = await auth.validate(token);
      if (session) {
        req.admin = session;
        if (session.refreshed) setSessionCookie(req, res, token, session.expiresAt);
      } else {
        clearSessionCookie(req, res);
      }
    }
    next();
  };
}

/** The origin admin writes must come from: PUBLIC_URL when set (a proxy may rewrite Host), else this request's host. */
function sameOrigin(req: Request, publicUrl: string | undefined): boolean {
  const origin = req.get('origin');
  if (origin === undefined) return true; // same-origin fetches of older browsers; the CSRF token still guards
  let url: URL;
  try {
    url = new URL(origin); // 'null' (sandboxed frames, file:) does not parse and is refused
  } catch {
    return false;
  }
  return publicUrl ? url.origin === publicUrl : url.host === req.get('host');
}

/** CSRF guard of unsafe methods for a cookie session (the admin's or a visitor's). */
export function checkCsrf(req: Request, session: Pick<ValidSession, 'csrfToken'>, publicUrl?: string): void {
  if (SAFE.has(req.method)) return;
  if (req.get('x-csrf-token') !== session.csrfToken) throw new ForbiddenError('missing or wrong CSRF token');
  if (!sameOrigin(req, publicUrl)) throw new ForbiddenError('cross-origin request refused');
}

/**
 * Requires a logged-in admin (with CSRF checks on writes). A read-only API token passes on GET/HEAD
 * unless `allowTokens` is false (token management itself needs the admin).
 */
export function adminGuard(opts: { publicUrl?: string; allowTokens?: boolean } = {}): RequestHandler {
  return markAdminGuard((req, _res, next) => {
    if (req.apiToken && !req.admin) {
      if (opts.allowTokens === false) throw new ForbiddenError('API tokens cannot manage this; log in as the admin');
      if (!SAFE.has(req.method)) throw new ForbiddenError('API tokens are read-only');
      return next();
    }
    if (!req.admin) throw new UnauthorizedError('login required (session missing or expired)');
    checkCsrf(req, req.admin, opts.publicUrl);
    next();
  });
}

/** Tags a handler as an admin guard, so a test can find every admin route in the app's router stack. */
export const ADMIN_GUARD = Symbol.for('waifudex.adminGuard');
function markAdminGuard(h: RequestHandler): RequestHandler {
  return Object.assign(h, { [ADMIN_GUARD]: true });
}

/** requireAdmin without a configured public URL (tests and routers mounted without config). */
export const requireAdmin: RequestHandler = adminGuard();
