import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import sharp from 'sharp';
import { decodeImage } from '@waifudex/core/images/analyze-image';
import type { ImageSearchService, SearchResult } from '@waifudex/core/services/image-search.service';
import { searchRoutes } from './search.routes.js';

// The route only validates transport; decoding errors come from the real decoder.
const fake = {
  async search(bytes: Buffer): Promise<SearchResult> {
    const d = await decodeImage(bytes, { maxBytes: 2 * 1024 * 1024 });
    return { verdict: 'none', query: { width: d.width, height: d.height, sha256: d.sha256 }, matches: [], took_ms: 1 };
  },
} as unknown as ImageSearchService;

describe('POST /api/v1/search/image', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.use(searchRoutes({ search: fake, maxUploadBytes: 1024 * 1024, fetchTimeoutMs: 2000 }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/search/image`;
  });
  afterAll(() => server?.close());

  const upload = (bytes: Buffer, field = 'image') => {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(bytes)]), 'x.bin');
    return fetch(base, { method: 'POST', body: form });
  };

  test('accepts a multipart image', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#36c' } }).jpeg().toBuffer();
    const res = await upload(jpeg);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ verdict: 'none', query: { width: 64, height: 48 } });
  });

  test('bad input answers 4xx JSON errors', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [upload(Buffer.from('plain text, not a picture')), 415, 'unsupported_type'],
      [upload(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16])), 400, 'corrupt'],
      [upload(Buffer.alloc(2 * 1024 * 1024, 1)), 413, 'too_large'],
      [upload(Buffer.from('x'), 'other'), 400, 'invalid_upload'],
      [fetch(base, { method: 'POST' }), 400, 'missing_image'],
      [fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url": "file:///etc/passwd"}' }), 400, 'invalid_url'],
      [fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url": "http://127.0.0.1:1/x.jpg"}' }), 400, 'invalid_url'],
      [fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url": 5}' }), 400, 'invalid_url'],
      [fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }), 400, 'invalid_body'],
    ];
    for (const [p, status, code] of cases) {
      const res = await p;
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });
});
