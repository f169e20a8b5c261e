/**
 * The compose `proxy` profile's nginx config (deploy/nginx), checked with the real nginx on the host
 * (Debian's package; CI installs it): deploy/nginx/40-waifudex-config.sh renders it exactly as in the
 * container, with stand-in values (free ports, a self-signed certificate made here, a stand-in
 * upstream that echoes what it receives); then `nginx -t` must accept both the plain-HTTP (no
 * certificate yet) and the HTTPS rendering, and a running nginx must redirect HTTP to HTTPS, serve
 * certbot's challenge, gzip text, give /images and /assets a year of immutable caching, refuse bodies
 * over MAX_UPLOAD_BYTES with the app's JSON error, and set X-Forwarded-* itself (one trusted hop).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import zlib from 'node:zlib';
import { freePort } from '../testing/free-port.js';
import { createNginxWork, hasNginx, type NginxWork } from '../testing/nginx.js';

const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
if (!hasNginx || !hasOpenssl) {
  console.warn(
    '[nginx-proxy] nginx or openssl is not on PATH: skipping the proxy config tests (CI installs nginx: apt-get install nginx)',
  );
}

const HOST = 'waifudex.test';
const LIMIT = 256 * 1024;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request, no automatic decompression or redirects; HTTPS trusts only `ca` and checks HOST. */
function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer; ca?: Buffer } = {},
): Promise<Reply> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers: { host: HOST, ...opts.headers },
        ca: opts.ca,
        servername: HOST,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe.skipIf(!hasNginx || !hasOpenssl)('deploy/nginx: the proxy profile config', () => {
  let nginx: NginxWork;
  let work = '';
  let upstream: http.Server;
  let upstreamPort = 0;
  let httpPort = 0;
  let httpsPort = 0;
  let ca: Buffer;
  const bundle = `/* app bundle */\n${'export const greeting = "hello, gallery";\n'.repeat(400)}`;

  const render = (extra: Record<string, string> = {}) =>
    nginx.render({
      SERVER_NAME: HOST,
      MAX_UPLOAD_BYTES: String(LIMIT),
      WAIFUDEX_UPSTREAM: `127.0.0.1:${upstreamPort}`,
      LISTEN_HTTP: String(httpPort),
      LISTEN_HTTPS: String(httpsPort),
      TLS_CERT_DIR: path.join(work, 'letsencrypt/live', HOST),
      ACME_WEBROOT: path.join(work, 'acme'),
      ...extra,
    });
  const nginxTest = () => nginx.test();

  beforeAll(async () => {
    nginx = createNginxWork('wdx-nginx-');
    work = nginx.dir;
    [upstreamPort, httpPort, httpsPort] = await Promise.all([freePort(), freePort(), freePort()]);
    // The stand-in upstream: echoes the request line and headers; serves an image and a bundle.
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url!.startsWith('/images/')) {
          res.writeHead(200, { 'content-type': 'image/webp', 'cache-control': 'public, max-age=3600' });
          res.end(Buffer.alloc(4096, 7));
        } else if (req.url!.startsWith('/assets/')) {
          res.writeHead(200, {
            'content-type': 'application/javascript; charset=utf-8',
            'cache-control': 'public, max-age=3600',
          });
          res.end(bundle);
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=0' });
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              headers: req.headers,
              bodyBytes: Buffer.concat(chunks).length,
            }),
          );
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r));
  });

  afterAll(async () => {
    await nginx?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it('the render script refuses a missing SERVER_NAME or a bad MAX_UPLOAD_BYTES with one line', () => {
    const noName = render({ SERVER_NAME: '' });
    expect(noName.status).toBe(1);
    expect(noName.stderr.trim().split('\n')).toEqual([expect.stringMatching(/SERVER_NAME/)]);
    const badName = render({ SERVER_NAME: 'a;b' });
    expect(badName.status).toBe(1);
    expect(badName.stderr).toMatch(/SERVER_NAME must be a host name/);
    const badLimit = render({ MAX_UPLOAD_BYTES: '25m' });
    expect(badLimit.status).toBe(1);
    expect(badLimit.stderr.trim().split('\n')).toEqual([expect.stringMatching(/MAX_UPLOAD_BYTES must be a number/)]);
  });

  it("without a certificate: plain HTTP that passes nginx -t and still serves certbot's challenge", () => {
    const r = render();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no certificate .* serving plain HTTP/);
    const conf = fs.readFileSync(path.join(work, 'conf.d/waifudex.conf'), 'utf8');
    expect(conf).not.toMatch(/\$\{/); // every template variable was substituted
    expect(conf).toMatch(new RegExp(`client_max_body_size ${LIMIT};`));
    expect(conf).not.toMatch(/ssl_certificate/);
    const t = nginxTest();
    expect(t.status, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/test is successful/);
  });

  it("with certbot's files: HTTPS that passes nginx -t", () => {
    const live = path.join(work, 'letsencrypt/live', HOST);
    fs.mkdirSync(live, { recursive: true });
    const o = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${HOST}`,
        '-addext',
        `subjectAltName=DNS:${HOST}`,
        '-keyout',
        path.join(live, 'privkey.pem'),
        '-out',
        path.join(live, 'fullchain.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(o.status, o.stderr).toBe(0);
    ca = fs.readFileSync(path.join(live, 'fullchain.pem'));
    const r = render();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/HTTPS for waifudex\.test/);
    const conf = fs.readFileSync(path.join(work, 'conf.d/waifudex.conf'), 'utf8');
    expect(conf).not.toMatch(/\$\{/);
    expect(conf).toContain(`ssl_certificate ${live}/fullchain.pem;`);
    const t = nginxTest();
    expect(t.status, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/test is successful/);
  });

  describe('a running nginx with the HTTPS config', () => {
    const base = () => `https://127.0.0.1:${httpsPort}`;

    beforeAll(async () => {
      fs.mkdirSync(path.join(work, 'acme/.well-known/acme-challenge'), { recursive: true });
      fs.writeFileSync(path.join(work, 'acme/.well-known/acme-challenge/token-123'), 'token-123.thumbprint');
      spawnSync('chmod', ['-R', 'a+rX', path.join(work, 'acme')]);
      await nginx.start(() =>
        request(`${base()}/api/ping`, { ca }).then(
          () => true,
          () => false,
        ),
      );
    });

    it("redirects HTTP to HTTPS, except certbot's challenge", async () => {
      const r = await request(`http://127.0.0.1:${httpPort}/character/42?x=1`);
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe(`https://${HOST}/character/42?x=1`);
      const c = await request(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/token-123`);
      expect(c.status).toBe(200);
      expect(c.body.toString()).toBe('token-123.thumbprint');
    });

    it('sets X-Forwarded-* itself: a client-sent X-Forwarded-For does not survive (one trusted hop)', async () => {
      const r = await request(`${base()}/api/echo`, {
        ca,
        headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'http' },
      });
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('https');
      expect(seen.headers['x-forwarded-host']).toBe(HOST);
      expect(seen.headers['x-forwarded-port']).toBe(String(httpsPort));
      expect(seen.headers.host).toBe(HOST);
    });

    it('gzips text and caches hashed bundles and images for a year; images are not re-compressed', async () => {
      const js = await request(`${base()}/assets/index-3f9a1c.js`, { ca, headers: { 'accept-encoding': 'gzip' } });
      expect(js.status).toBe(200);
      expect(js.headers['content-encoding']).toBe('gzip');
      expect(zlib.gunzipSync(js.body).toString()).toBe(bundle);
      expect(js.body.length).toBeLessThan(bundle.length / 10);
      expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const img = await request(`${base()}/images/ab/abcdef.webp`, { ca, headers: { 'accept-encoding': 'gzip' } });
      expect(img.status).toBe(200);
      expect(img.headers['content-encoding']).toBeUndefined();
      expect(img.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // everything else keeps the app's own caching
      const api = await request(`${base()}/api/characters`, { ca });
      expect(api.headers['cache-control']).toBe('public, max-age=0');
    });

    it("passes a body within MAX_UPLOAD_BYTES and refuses a bigger one with the app's JSON 413", async () => {
      const ok = await request(`${base()}/api/v1/search/image`, {
        ca,
        method: 'POST',
        body: Buffer.alloc(LIMIT - 1024, 1),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(ok.status).toBe(200);
      expect((JSON.parse(ok.body.toString()) as { bodyBytes: number }).bodyBytes).toBe(LIMIT - 1024);
      const big = await request(`${base()}/api/v1/search/image`, {
        ca,
        method: 'POST',
        body: Buffer.alloc(LIMIT + 1, 1),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(big.status).toBe(413);
      expect(big.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(big.body.toString())).toEqual({
        error: { code: 'too_large', message: 'The uploaded file is too large.' },
      });
    });
  });
});
