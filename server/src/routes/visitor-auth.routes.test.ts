/** Registration modes, invites, the visitor session's cookie, CSRF and login limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, client, signUp, type Client } from '../testing/visitor-client.js';

const signup = (s: TestServer, body: Record<string, unknown>) =>
  fetch(`${s.url}/api/v1/visitor/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'visitor password 1', ...body }),
  });

describe('registration modes', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer({ app: { registration: 'closed', signupsPerHour: 1000 } });
    admin = await adminClient(s.url, s.auth.setAdminPassword);
  });
  afterAll(() => s?.close());
  const setMode = (registration: string) =>
    admin.json('PUT', '/api/v1/admin/visitors/settings', { registration, comments: false });

  it('closed by default: sign-up is refused and nothing is stored', async () => {
    expect(await (await fetch(`${s.url}/api/v1/visitor/config`)).json()).toMatchObject({
      registration: 'closed',
      comments: false,
    });
    const res = await signup(s, { username: 'alice' });
    expect(res.status).toBe(403);
    expect((await s.db.query('SELECT count(*)::int AS n FROM visitors')).rows[0].n).toBe(0);
  });

  it('invite mode: only a live invite works, each use counts, a revoked or used-up invite is refused', async () => {
    await setMode('invite');
    expect((await signup(s, { username: 'alice' })).status).toBe(403);
    expect((await signup(s, { username: 'alice', invite: 'a'.repeat(32) })).status).toBe(403);
    const created = await admin.call('POST', '/api/v1/admin/visitors/invites', { max_uses: 1, note: 'for alice' });
    expect(created.status).toBe(201);
    const { code, path, invite } = await created.json();
    expect(path).toBe(`/account?invite=${code}`);
    expect(JSON.stringify((await s.db.query('SELECT * FROM visitor_invites')).rows)).not.toContain(code);

    // a taken name does not spend the invite
    await s.db.query(`INSERT INTO visitors (username, password_hash) VALUES ('Taken', 'x')`);
    expect((await signup(s, { username: 'taken', invite: code })).status).toBe(409);
    const ok = await signup(s, { username: 'alice', invite: code });
    expect(ok.status).toBe(201);
    expect((await signup(s, { username: 'bob', invite: code })).status).toBe(403);

    const two = await admin.json('POST', '/api/v1/admin/visitors/invites', { max_uses: 5 });
    expect((await admin.call('DELETE', `/api/v1/admin/visitors/invites/${two.invite.id}`)).status).toBe(204);
    expect((await signup(s, { username: 'bob', invite: two.code })).status).toBe(403);
    const overview = await admin.json('GET', '/api/v1/admin/visitors');
    expect(overview.invites.find((i: any) => i.id === invite.id)).toMatchObject({ uses: 1, max_uses: 1 });
    expect(overview.visitors.map((v: any) => v.username)).toContain('alice');
  });

  it('two sign-ups racing for the last use of an invite: exactly one gets it', async () => {
    const { code } = await admin.json('POST', '/api/v1/admin/visitors/invites', { max_uses: 1 });
    const results = await Promise.all(
      ['race1', 'race2', 'race3'].map((u) => signup(s, { username: u, invite: code }).then((r) => r.status)),
    );
    expect(results.sort()).toEqual([201, 403, 403]);
  });

  it('open mode: anyone signs up; bad names and short passwords are a 400', async () => {
    await setMode('open');
    expect((await signup(s, { username: 'carol' })).status).toBe(201);
    expect((await signup(s, { username: 'CAROL' })).status).toBe(409);
    expect((await signup(s, { username: 'x' })).status).toBe(400);
    expect((await signup(s, { username: '<script>' })).status).toBe(400);
    expect((await signup(s, { username: 'dave', password: 'short' })).status).toBe(400);
    expect(
      (await admin.call('PUT', '/api/v1/admin/visitors/settings', { registration: 'sometimes', comments: false }))
        .status,
    ).toBe(400);
    await setMode('closed');
    expect((await signup(s, { username: 'erin' })).status).toBe(403);
  });

  it('REGISTRATION from the environment is the mode until the admin picks one; sign-ups per address are limited', async () => {
    const t = await startTestServer({ app: { registration: 'open', signupsPerHour: 2 } });
    try {
      expect((await signup(t, { username: 'frank' })).status).toBe(201);
      expect((await signup(t, { username: 'frank2' })).status).toBe(201);
      const third = await signup(t, { username: 'frank3' });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(60);
    } finally {
      await t.close();
    }
  });
});

describe('visitor sessions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ app: { registration: 'open', trustProxy: 1, signupsPerHour: 1000 } });
  });
  afterAll(() => s?.close());

  it('the cookie is HttpOnly and SameSite=Lax (Secure over https), and only its hash is stored', async () => {
    const res = await fetch(`${s.url}/api/v1/visitor/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'gina', password: 'visitor password 1' }),
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^wdx_visitor=[a-z2-7]{32};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Secure/i);
    const token = /wdx_visitor=([^;]+)/.exec(cookie)![1]!;
    expect(JSON.stringify((await s.db.query('SELECT * FROM visitor_sessions')).rows)).not.toContain(token);
  });

  it('writes need the CSRF token and our origin; logout ends the session', async () => {
    const v = await signUp(s.url, 'hank');
    const [id] = (await s.db.query(`INSERT INTO characters (name) VALUES ('Rem') RETURNING id`)).rows.map((r) => r.id);
    const csrf = v.csrf;
    v.csrf = null;
    expect((await v.call('PUT', `/api/v1/me/likes/${id}`)).status).toBe(403);
    v.csrf = 'wrong';
    expect((await v.call('PUT', `/api/v1/me/likes/${id}`)).status).toBe(403);
    v.csrf = csrf;
    expect((await v.call('PUT', `/api/v1/me/likes/${id}`, undefined, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect((await v.call('PUT', `/api/v1/me/likes/${id}`)).status).toBe(200);
    expect((await v.json('GET', '/api/v1/visitor/session')).session.username).toBe('hank');
    const cookie = v.cookie;
    expect((await v.call('POST', '/api/v1/visitor/logout')).status).toBe(204);
    v.cookie = cookie;
    expect((await v.json('GET', '/api/v1/visitor/session')).session).toBeNull();
    expect((await v.call('GET', '/api/v1/me/marks')).status).toBe(401);
  });

  it('logs in again with the password; wrong passwords from one address hit the limit (429)', async () => {
    await signUp(s.url, 'ivy');
    const login = (password: string, from = '203.0.113.5') =>
      fetch(`${s.url}/api/v1/visitor/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ username: 'ivy', password }),
      });
    expect((await login('visitor password 1')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login('wrong')).status).toBe(401);
    expect((await login('visitor password 1')).status).toBe(429);
    expect((await login('visitor password 1', '198.51.100.1')).status).toBe(200);
  });

  it('a visitor session is not an admin session', async () => {
    const v = await signUp(s.url, 'jack');
    expect((await v.call('GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await v.json('GET', '/api/v1/auth/session')).session).toBeNull();
    // the visitor's cookie value under the admin's cookie name is unknown there too
    const forged = client(s.url, 'wdx_session');
    forged.cookie = v.cookie!.replace('wdx_visitor', 'wdx_session');
    forged.csrf = v.csrf;
    expect((await forged.call('GET', '/api/v1/admin/visitors')).status).toBe(401);
  });
});
