/**
 * Visitor sessions: the admin's cookie design (HttpOnly, SameSite=Lax, Secure over https, CSRF token in
 * X-CSRF-Token on writes) under another cookie name and role. req.visitor is never req.admin: admin guards
 * do not look at it, so a visitor can reach no admin route.
 */
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import type { VisitorAuthService, VisitorSession } from '@waifudex/core/services/visitor-auth.service';
import { UnauthorizedError } from '@waifudex/core/errors';
import { checkCsrf } from './auth.js';

export const VISITOR_COOKIE = 'wdx_visitor';
const TOKEN_SHAPE = /^[a-z2-7]{20,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    visitor?: VisitorSession;
  }
}

function readToken(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  const value = parseCookies(header)[VISITOR_COOKIE];
  return value && TOKEN_SHAPE.test(value) ? value : null;
}

export function setVisitorCookie(req: Request, res: Response, token: string, expiresAt: Date): void {
  res.cookie(VISITOR_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
    expires: expiresAt,
  });
}

export function clearVisitorCookie(req: Request, res: Response): void {
  res.clearCookie(VISITOR_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
}

/** Attaches req.visitor (refreshing the cookie on sliding renewal); a stale cookie is cleared. */
export function visitorSessionMiddleware(auth: VisitorAuthService): RequestHandler {
  return async (req, res, next) => {
    const token = readToken(req);
    if (token) {
      const session = await auth.validate(token);
      if (session) {
        req.visitor = session;
        if (session.refreshed) setVisitorCookie(req, res, token, session.expiresAt);
      } else clearVisitorCookie(req, res);
    }
    next();
  };
}

/** Requires a signed-in visitor, with the CSRF checks on writes. */
export function visitorGuard(opts: { publicUrl?: string } = {}): RequestHandler {
  return (req, _res, next) => {
    if (!req.visitor) throw new UnauthorizedError('sign in to your account first');
    checkCsrf(req, req.visitor, opts.publicUrl);
    next();
  };
}

/** The signed-in visitor of a guarded route. */
export function visitorOf(req: Request): VisitorSession {
  if (!req.visitor) throw new UnauthorizedError('sign in to your account first');
  return req.visitor;
}
