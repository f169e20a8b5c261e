/**
 * The `scale` profile's balancing (deploy/nginx with WAIFUDEX_UPSTREAM listing several servers), with the
 * real nginx on the host and two stand-in servers that say who answered: requests reach both, logins of
 * one address always reach the same one (its in-memory login limit sees them all), and a server that is
 * down is skipped without an error reaching the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const nginxDir = path.join(repo, 'deploy/nginx');
const hasNginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).status === 0;
if (!hasNginx) console.warn('[nginx-balance] nginx is not on PATH: skipping (CI installs it: apt-get install nginx)');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

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
  let work = '';
  let nginx: ChildProcess | undefined;
  let port = 0;
  const servers: http.Server[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-nginx-lb-'));
    fs.chmodSync(work, 0o755);
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
    const render = spawnSync('sh', [path.join(nginxDir, '40-waifudex-config.sh')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        SERVER_NAME: 'waifudex.test',
        WAIFUDEX_UPSTREAM: `127.0.0.1:${ports[0]}, 127.0.0.1:${ports[1]},127.0.0.1:${down}`,
        LISTEN_HTTP: String(port),
        TLS_CERT_DIR: path.join(work, 'none'),
        ACME_WEBROOT: path.join(work, 'acme'),
        WAIFUDEX_NGINX_DIR: nginxDir,
        NGINX_CONF_OUT: path.join(work, 'conf.d'),
        RELOAD_INTERVAL: '0',
      },
    });
    expect(render.status, render.stderr).toBe(0);
    fs.mkdirSync(path.join(work, 'tmp'), { mode: 0o777 });
    fs.chmodSync(path.join(work, 'tmp'), 0o777);
    const conf = path.join(work, 'nginx.conf');
    fs.writeFileSync(
      conf,
      [
        'pid nginx.pid;',
        'worker_processes 1;',
        'events { worker_connections 64; }',
        'http {',
        '  include /etc/nginx/mime.types;',
        '  access_log off;',
        '  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;',
        '  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;',
        `  include ${path.join(work, 'conf.d')}/*.conf;`,
        '}',
      ].join('\n'),
    );
    const check = spawnSync('nginx', ['-t', '-p', work, '-c', conf, '-e', path.join(work, 'error.log')], {
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    nginx = spawn('nginx', ['-p', work, '-c', conf, '-e', path.join(work, 'error.log'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    while (
      !(await get(port, '/api/health').then(
        () => true,
        () => false,
      ))
    ) {
      if (nginx.exitCode !== null || Date.now() > deadline)
        throw new Error(`nginx did not start: ${fs.readFileSync(path.join(work, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await new Promise((r) => nginx!.once('exit', r));
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (work) fs.rmSync(work, { recursive: true, force: true });
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
