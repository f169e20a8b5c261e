/** Login limits others cannot turn into a lockout, API tokens, sessions, headers, CORS and proxies. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from './testing/test-server.js';
import { adminGuard } from './middleware/auth.js';
import { channelRoutes } from './routes/channels.routes.js';
import { createLoginLimiter } from './middleware/login-limiter.js';

const PASSWORD = 'correct horse battery';
let s: TestServer;
let verifies = 0;

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const login = (password: string, from: string, username = 'admin') =>
  fetch(`${s.url}/api/v1/auth/login`, json({ username, password }, { 'x-forwarded-for': from }));

async function start(app: NonNullable<TestServerOptions['app']> = {}) {
  s = await startTestServer({
    app: { trustProxy: 1, ...app },
    routers: ({ db }) => [channelRoutes({ db, requireAdmin: adminGuard({ publicUrl: app.publicUrl }) })],
  });
  await s.auth.setAdminPassword('admin', PASSWORD);
  const real = s.auth.login;
  s.auth.login = (u, p) => {
    verifies++;
    return real(u, p);
  };
}

describe('login limits', () => {
  beforeAll(() => start());
  afterAll(() => s?.close());
  afterEach(() => void (verifies = 0));

  it('five wrong passwords from five addresses do not lock the admin out', async () => {
    for (let i = 0; i < 6; i++) expect((await login('wrong', `203.0.113.${i}`)).status).toBe(401);
    expect((await login(PASSWORD, '198.51.100.7')).status).toBe(200);
  });

  it('an address that used its budget is refused with the wait, while the admin elsewhere logs in', async () => {
    for (let i = 0; i < 5; i++) expect((await login('wrong', '203.0.113.50')).status).toBe(401);
    const refused = await login(PASSWORD, '203.0.113.50');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await refused.json()).error.message).toMatch(/Try again in 1[45] minute/);
    expect((await login(PASSWORD, '198.51.100.8')).status).toBe(200);
  });

  it('a concurrent burst from one address checks no more passwords than the budget', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(`guess${i}`, '203.0.113.99').then((r) => r.status)),
    );
    expect(statuses.filter((x) => x === 401)).toHaveLength(5);
    expect(statuses.filter((x) => x === 429)).toHaveLength(35);
    expect(verifies).toBe(5);
  });

  it('per address across usernames the budget also holds', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login('x', '203.0.113.77', `user${i % 12}`).then((r) => r.status)),
    );
    expect(statuses.filter((x) => x === 401)).toHaveLength(20);
    expect(verifies).toBe(20);
  });
});

describe('login limiter unit', () => {
  it('per username alone only slows down, capped, and never refuses', () => {
    const l = createLoginLimiter({ maxDelayMs: 5000 });
    for (let i = 0; i < 50; i++) l.begin(`10.0.${i}.1`, 'admin').settle(false);
    const a = l.begin('10.9.9.9', 'admin');
    expect(a.delayMs).toBe(5000);
    a.settle(true);
    expect(l.begin('10.9.9.9', 'admin').delayMs).toBe(0);
  });
});

describe('API tokens and sessions', () => {
  let cookie: string;
  let csrf: string;
  beforeAll(async () => {
    await start();
    const res = await login(PASSWORD, '192.0.2.1');
    cookie = /wdx_session=[^;]+/.exec(res.headers.get('set-cookie')!)![0];
    csrf = (await res.json()).csrf_token;
  });
  afterAll(() => s?.close());
  const asAdmin = (method: string, p: string, body?: unknown) =>
    fetch(`${s.url}${p}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const withToken = (token: string, method: string, p: string, body?: unknown) =>
    fetch(`${s.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('a token reads, never writes, cannot manage tokens, and stops working when revoked', async () => {
    const created = await asAdmin('POST', '/api/v1/admin/tokens', { name: 'my bot' });
    expect(created.status).toBe(201);
    const { token, api_token } = await created.json();
    expect(token).toMatch(/^wdx_[a-z2-7]{32}$/);
    expect(api_token).toMatchObject({ name: 'my bot', prefix: token.slice(0, 8), last_used_at: null });
    expect(JSON.stringify((await s.db.query('SELECT * FROM api_tokens')).rows)).not.toContain(token);

    expect((await withToken(token, 'GET', '/api/v1/admin/channels')).status).toBe(200);
    expect((await withToken(token, 'POST', '/api/v1/admin/channels', { ref: 'somechannel' })).status).toBe(403);
    expect((await withToken(token, 'GET', '/api/v1/admin/tokens')).status).toBe(403);
    expect((await withToken(token, 'POST', '/api/v1/admin/tokens', { name: 'escalate' })).status).toBe(403);
    expect((await withToken('wdx_' + 'a'.repeat(32), 'GET', '/api/v1/characters')).status).toBe(401);
    const list = await (await asAdmin('GET', '/api/v1/admin/tokens')).json();
    expect(list.items[0].last_used_at).not.toBeNull();

    expect((await asAdmin('DELETE', `/api/v1/admin/tokens/${api_token.id}`)).status).toBe(204);
    expect((await withToken(token, 'GET', '/api/v1/admin/channels')).status).toBe(401);
  });

  it('expired sessions are purged, live ones kept; the admin can end all sessions', async () => {
    await s.db.query(
      "INSERT INTO sessions (id, admin_id, csrf_token, expires_at) SELECT 'old' || g, (SELECT id FROM admins LIMIT 1), 'x', now() - interval '1 day' FROM generate_series(1, 3) g",
    );
    expect(await s.auth.purgeExpiredSessions()).toBe(3);
    expect((await asAdmin('GET', '/api/v1/auth/me')).status).toBe(200);
    const other = /wdx_session=[^;]+/.exec((await login(PASSWORD, '192.0.2.2')).headers.get('set-cookie')!)![0];
    const ended = await asAdmin('POST', '/api/v1/auth/sessions/end-all');
    expect(await ended.json()).toEqual({ ended: 2 });
    expect((await fetch(`${s.url}/api/v1/auth/me`, { headers: { cookie: other } })).status).toBe(401);
    expect((await asAdmin('GET', '/api/v1/auth/me')).status).toBe(401);
  });
});

describe('headers, https through the proxy, PUBLIC_URL and CORS', () => {
  beforeAll(() => start({ publicUrl: 'https://gallery.example.org', corsOrigins: ['https://bot.example.net'] }));
  afterAll(() => s?.close());

  it('sends a CSP without inline script that forbids framing, and HSTS only over https', async () => {
    const plain = await fetch(`${s.url}/api/v1/characters`);
    const csp = plain.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const secure = await fetch(`${s.url}/api/v1/characters`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(secure.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('marks the session cookie Secure when the proxy says https', async () => {
    const res = await fetch(
      `${s.url}/api/v1/auth/login`,
      json({ username: 'admin', password: PASSWORD }, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.0.2.9' }),
    );
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    const plain = await login(PASSWORD, '192.0.2.10');
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
  });

  it('with a Host-rewriting proxy, admin writes from PUBLIC_URL work and other origins are refused', async () => {
    const res = await login(PASSWORD, '192.0.2.11');
    const cookie = /wdx_session=[^;]+/.exec(res.headers.get('set-cookie')!)![0];
    const csrf = (await res.json()).csrf_token;
    const add = (origin: string, ref: string) =>
      fetch(`${s.url}/api/v1/admin/channels`, json({ ref }, { cookie, 'x-csrf-token': csrf, origin }));
    expect((await add('https://gallery.example.org', 'channelone')).status).toBe(201);
    expect((await add(s.url, 'channeltwo')).status).toBe(403);
  });

  it('answers CORS only for the configured origins, without credentials', async () => {
    const ok = await fetch(`${s.url}/api/v1/characters`, { headers: { origin: 'https://bot.example.net' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://bot.example.net');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await fetch(`${s.url}/api/v1/characters`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
