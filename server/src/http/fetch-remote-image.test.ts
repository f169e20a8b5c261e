import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchRemoteImage, isBlockedAddress } from './fetch-remote-image.js';

describe('address ranges (ipaddr.js)', () => {
  it.each([
    '::7f00:1',
    '::ffff:0:7f00:1',
    '64:ff9b:1::a00:1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::1',
    '2001:0:4136:e378::1',
    '192.88.99.1',
    '127.0.0.1',
    '10.1.2.3',
    '100.64.0.1',
    '169.254.169.254',
    '198.18.0.1',
    '240.0.0.1',
    '255.255.255.255',
    '224.0.0.1',
    '::',
    '::1',
    'fd00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
    'not-an-ip',
  ])('%s is refused', (a) => expect(isBlockedAddress(a)).toBe(true));
  it.each(['1.1.1.1', '151.101.1.69', '2606:4700::1111', '2a00:1450:4001:80b::200e'])('%s is public', (a) =>
    expect(isBlockedAddress(a)).toBe(false),
  );
});

describe('one total deadline', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/drip') {
        // One byte every 150 ms: each byte would restart an idle timeout.
        res.writeHead(200, { 'content-type': 'image/png' });
        const t = setInterval(() => res.write('x'), 150);
        res.on('close', () => clearInterval(t));
      } else if (req.url === '/redirect-loop') {
        res.writeHead(302, { location: '/slow-redirect' }).end();
      } else if (req.url === '/slow-redirect') {
        setTimeout(() => res.writeHead(302, { location: '/drip' }).end(), 300);
      } else res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a dripping server is cut off at the deadline, not held open', async () => {
    const started = Date.now();
    await expect(
      fetchRemoteImage(`${base}/drip`, { maxBytes: 1e6, timeoutMs: 800, allowPrivate: true }),
    ).rejects.toMatchObject({ status: 504, code: 'fetch_timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('redirects share the same deadline', async () => {
    const started = Date.now();
    await expect(
      fetchRemoteImage(`${base}/redirect-loop`, { maxBytes: 1e6, timeoutMs: 800, allowPrivate: true }),
    ).rejects.toMatchObject({ status: 504 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('loopback is refused without allowPrivate', async () => {
    await expect(fetchRemoteImage(`${base}/ok`, { maxBytes: 1e6, timeoutMs: 800 })).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      fetchRemoteImage('http://[::ffff:0:7f00:1]/', { maxBytes: 1e6, timeoutMs: 800 }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
