/**
 * The `scale` profile's balancing (deploy/nginx with WAIFUDEX_UPSTREAM listing several servers), with the
 * real nginx on the host and two stand-in servers that say who answered: requests reach both, logins of
 * one address always reach the same one (its in-memory login limit sees them all), and a server that is
 * down is skipped without an error reaching the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../testing/free-port.js';
import { createNginxWork, hasNginx, type NginxWork } from '../testing/nginx.js';

if (!hasNginx) console.warn('[nginx-balance] nginx is not on PATH: skipping (CI installs it: apt-get install nginx)');

function get(
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: urlPath, method, headers: { host: 'waifudex.test', ...headers }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!hasNginx)('deploy/nginx: balancing several servers (scale profile)', () => {
  let nginx: NginxWork;
  let port = 0;
  const servers: http.Server[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    nginx = createNginxWork('wdx-nginx-lb-');
    port = await freePort();
    for (const name of ['A', 'B']) {
      const p = await freePort();
      const s = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${name} ${req.headers['x-forwarded-for']}`);
      });
      await new Promise<void>((r) => s.listen(p, '127.0.0.1', r));
      servers.push(s);
      ports.push(p);
    }
    const down = await freePort(); // nothing listens here: a replica that is down
    const render = nginx.render({
      SERVER_NAME: 'waifudex.test',
      WAIFUDEX_UPSTREAM: `127.0.0.1:${ports[0]}, 127.0.0.1:${ports[1]},127.0.0.1:${down}`,
      LISTEN_HTTP: String(port),
      TLS_CERT_DIR: path.join(nginx.dir, 'none'),
      ACME_WEBROOT: path.join(nginx.dir, 'acme'),
    });
    expect(render.status, render.stderr).toBe(0);
    const check = nginx.test();
    expect(check.status, check.stderr).toBe(0);
    await nginx.start(() =>
      get(port, '/api/health').then(
        () => true,
        () => false,
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await nginx?.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('spreads requests over every server and skips the one that is down', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const r = await get(port, `/api/v1/characters?page=${i}`);
      expect(r.status).toBe(200);
      const who = r.body.split(' ')[0]!;
      seen[who] = (seen[who] ?? 0) + 1;
    }
    expect(Object.keys(seen).sort()).toEqual(['A', 'B']);
    expect(Math.min(seen.A!, seen.B!)).toBeGreaterThanOrEqual(5);
  });

  it('sends the logins of one address to one server', async () => {
    const who = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await get(port, '/api/v1/auth/login', { 'content-length': '0' }, 'POST');
      expect(r.status).toBe(200);
      who.add(r.body.split(' ')[0]!);
    }
    expect(who.size).toBe(1);
  });
});
