import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../testing/test-server.js';

const lines: any[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    cb();
  },
});
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ app: { logger: pino({ level: 'info' }, sink) } });
});
afterAll(() => s?.close());

describe('request log', () => {
  it('one line per request with id, method, path, status and duration, and no secrets', async () => {
    await s.auth.setAdminPassword('admin', 'correct horse');
    const login = await fetch(`${s.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
    });
    const cookie = /wdx_session=[^;]+/.exec(login.headers.get('set-cookie')!)![0];
    const res = await fetch(`${s.url}/api/v1/characters?q=secretquery`, {
      headers: { cookie, authorization: 'Basic c2VjcmV0', 'x-request-id': 'abc-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    await new Promise((r) => setTimeout(r, 50));
    const line = lines.find((l) => l.req?.path === '/api/v1/characters');
    expect(line).toMatchObject({
      req: { id: 'abc-123', method: 'GET', path: '/api/v1/characters' },
      res: { status: 200 },
    });
    expect(typeof line.responseTime).toBe('number');
    const all = JSON.stringify(lines);
    for (const secret of ['correct horse', cookie.split('=')[1], 'c2VjcmV0', 'secretquery'])
      expect(all).not.toContain(secret);
    expect(lines.find((l) => l.req?.path === '/api/v1/auth/login')).toMatchObject({ res: { status: 200 } });
  });
});
