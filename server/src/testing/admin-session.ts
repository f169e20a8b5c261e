/** Test support for admin routes: a real signed-in session, or a stand-in for the session check. */
import type { RequestHandler } from 'express';
import type { TestServer } from './test-server.js';

/** In place of requireAdmin, for routes tested apart from the login (the admin is signed in). */
export const signedInAdmin: RequestHandler = (req, _res, next) => {
  req.admin = {
    username: 'admin',
    sessionId: 's',
    adminId: '1',
    csrfToken: 't',
    expiresAt: new Date(),
    refreshed: false,
  };
  next();
};

/** Sets the admin's password, signs in through the API, and returns the headers of a JSON admin write. */
export async function adminHeaders(
  s: Pick<TestServer, 'url' | 'auth'>,
  username = 'admin',
  password = 'correct horse',
): Promise<Record<string, string>> {
  await s.auth.setAdminPassword(username, password);
  const login = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const body = (await login.json()) as { csrf_token: string };
  return {
    'content-type': 'application/json',
    cookie: /wdx_session=[^;]+/.exec(login.headers.get('set-cookie')!)![0],
    'x-csrf-token': body.csrf_token,
  };
}
