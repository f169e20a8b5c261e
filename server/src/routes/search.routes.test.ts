import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeImage } from '@waifudex/core/images/analyze-image';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import type { ImageSearchService, SearchResult } from '@waifudex/core/services/image-search.service';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { searchRoutes } from './search.routes.js';
import { isBlockedAddress } from '../http/fetch-remote-image.js';
import { parseServerTiming } from '@waifudex/core/images/stage-timings';

// The route only validates transport; decoding errors come from the real decoder.
const fake = {
  async search(bytes: Buffer): Promise<SearchResult> {
    const d = await decodeImage(bytes, { maxBytes: 2 * 1024 * 1024 });
    return { verdict: 'none', query: { width: d.width, height: d.height, sha256: d.sha256 }, matches: [], took_ms: 1 };
  },
} as unknown as ImageSearchService;

let s: TestServer;
let base: string;
let jpeg: Buffer;
let origin: http.Server;
let originUrl: string;

beforeAll(async () => {
  s = await startTestServer({
    routers: () => [searchRoutes({ search: fake, maxUploadBytes: 1024 * 1024, fetchTimeoutMs: 2000 })],
  });
  base = `${s.url}/api/v1/search/image`;
  jpeg = await generateDemoImage(3, 'query');
  // a local "remote" host: an image, a redirect loop, and a redirect to a loopback address
  origin = http.createServer((req, res) => {
    if (req.url === '/pic.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
    if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
});
afterAll(async () => {
  origin?.close();
  await s?.close();
});

const upload = (bytes: Buffer, field = 'image') => {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), 'x.bin');
  return fetch(base, { method: 'POST', body: form });
};
const json = (body: string, url = base) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('POST /api/v1/search/image', () => {
  test('accepts a multipart image', async () => {
    const res = await upload(jpeg);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ verdict: 'none', query: { width: 600, height: 800 } });
    // where the request's time went, for dev tools and the bench
    const stages = parseServerTiming(res.headers.get('server-timing'));
    expect(stages.map((t) => t.name)).toEqual(['upload', 'queue', 'read', 'json']);
    expect(stages.every((t) => Number.isFinite(t.ms) && Number.isFinite(t.cpuMs))).toBe(true);
  });

  test('bad input answers 4xx JSON errors', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [upload(Buffer.from('plain text, not a picture')), 415, 'unsupported_type'],
      [upload(jpeg.subarray(0, 200)), 422, 'corrupt'],
      [upload(Buffer.alloc(2 * 1024 * 1024, 1)), 413, 'too_large'],
      [upload(Buffer.from('x'), 'other'), 400, 'invalid_upload'],
      [fetch(base, { method: 'POST' }), 400, 'missing_image'],
      [json('{"url": "file:///etc/passwd"}'), 400, 'invalid_url'],
      [json('{"url": "http://127.0.0.1:1/x.jpg"}'), 400, 'invalid_url'],
      [json('{"url": "http://[::1]:1/x.jpg"}'), 400, 'invalid_url'],
      [json('{"url": "http://[::ffff:127.0.0.1]:1/x.jpg"}'), 400, 'invalid_url'],
      // a name that resolves to loopback is refused at connect time, not by its spelling
      [json('{"url": "http://localhost:1/x.jpg"}'), 400, 'invalid_url'],
      [json('{"url": 5}'), 400, 'invalid_url'],
      [json('{not json'), 400, 'invalid_body'],
    ];
    for (const [p, status, code] of cases) {
      const res = await p;
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });

  test('classifies addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.1.1',
      '172.20.0.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '0.0.0.0',
    ])
      expect(isBlockedAddress(a), a).toBe(true);
    for (const a of ['1.1.1.1', '151.101.1.69', '2606:4700::1111']) expect(isBlockedAddress(a), a).toBe(false);
  });
});

describe('search by URL (loopback allowed for this test only)', () => {
  let url: string;
  beforeAll(async () => {
    const s2 = await startTestServer({
      routers: () => [
        searchRoutes({ search: fake, maxUploadBytes: 1024 * 1024, fetchTimeoutMs: 2000, allowPrivateUrls: true }),
      ],
    });
    url = `${s2.url}/api/v1/search/image`;
    afterAll(() => s2.close());
  });

  test('downloads the picture and searches it', async () => {
    const res = await json(JSON.stringify({ url: `${originUrl}/pic.jpg` }), url);
    expect(res.status).toBe(200);
    expect((await res.json()).query.width).toBe(600);
  });

  test('gives up on redirect loops and reports missing images', async () => {
    const loop = await json(JSON.stringify({ url: `${originUrl}/loop` }), url);
    expect(loop.status).toBe(502);
    const missing = await json(JSON.stringify({ url: `${originUrl}/nope.jpg` }), url);
    expect(missing.status).toBe(502);
    expect((await missing.json()).error.message).toContain('404');
  });
});
