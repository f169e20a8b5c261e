/** Junk sent to the visitor, collection, comment and webhook routes by signed-in callers: a 4xx, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { adminClient, addCharacter, signUp, type Client } from './testing/visitor-client.js';
import { routesOf } from './testing/route-walk.js';
import { buildApp } from './app.js';
import { testLogger } from '@waifudex/core/testing/test-db';

let s: TestServer;
let admin: Client;
let visitor: Client;
let character: string;
beforeAll(async () => {
  s = await startTestServer({ app: { registration: 'open', signupsPerHour: 10_000 } });
  admin = await adminClient(s.url, s.auth.setAdminPassword);
  visitor = await signUp(s.url, 'fuzzy');
  character = await addCharacter(s.db, { name: 'Rem' });
  await admin.json('PUT', '/api/v1/admin/visitors/settings', { registration: 'open', comments: true });
});
afterAll(() => s?.close());

const MINE = /^\/api\/v1\/(me|visitor|admin\/visitors|admin\/webhooks|admin\/comments)\b|\/comments$/;
const BODIES = [
  '{',
  '[]',
  'null',
  '"x"',
  '{"body":"a\\u0000b","text":"\\u0000","character_ids":["99999999999999999999"],"url":"http://\\u0000"}',
  JSON.stringify({ username: 'a'.repeat(5000), password: 'b'.repeat(5000), format: 'csv', data: '\u0000' }),
  JSON.stringify({ events: ['character.created'], url: 'http://[::' }),
];
const IDS = ['1', 'abc', '0', '-1', '99999999999999999999', '%00'];

describe('bad input on the visitor features', () => {
  it('never answers a junk body or id with a 5xx', async () => {
    // the same app as the test server's, walked for its routes
    const app = buildApp({
      db: s.db,
      logger: testLogger,
      imagesDir: s.imagesDir,
      webDir: null,
      version: 'test',
      auth: s.auth,
    });
    const routes = routesOf((app as any).router.stack).filter(
      (r) => MINE.test(r.path) && !r.path.endsWith('/logout') && r.path !== '/api/v1/admin/visitors/:id',
    ); // keep the sessions alive
    expect(routes.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const r of routes) {
      for (const id of r.path.includes(':') ? IDS : ['']) {
        const p = r.path.replace(/:(\w+)/g, id === '1' ? character : id);
        for (const body of ['GET', 'DELETE'].includes(r.method) ? [undefined] : BODIES) {
          for (const who of [admin, visitor]) {
            const res =
              body === undefined
                ? await who.call(r.method, p)
                : await fetch(`${s.url}${p}`, {
                    method: r.method,
                    headers: { 'content-type': 'application/json', cookie: who.cookie!, 'x-csrf-token': who.csrf! },
                    body,
                  });
            if (res.status >= 500) failures.push(`${r.method} ${p} ${body ?? ''} → ${res.status}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // the visitor session still works and nothing odd was stored
    expect((await visitor.call('GET', '/api/v1/me/marks')).status).toBe(200);
    expect(
      (await s.db.query(`SELECT count(*)::int AS n FROM character_comments WHERE body LIKE '%' || chr(1) || '%'`))
        .rows[0].n,
    ).toBe(0);
  }, 120_000);
});
