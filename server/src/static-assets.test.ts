/** The built app is served compressed, and its content-hashed assets are cached for a year. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './testing/test-server.js';

const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-web-'));
let s: TestServer;
beforeAll(async () => {
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(
    path.join(webDir, 'index.html'),
    `<!doctype html><title>Waifudex</title><script type="module" src="/assets/index-abc123.js"></script>`,
  );
  fs.writeFileSync(
    path.join(webDir, 'assets', 'index-abc123.js'),
    `export const filler = ${JSON.stringify('waifu '.repeat(4000))};\n`,
  );
  s = await startTestServer({ webDir });
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

describe('static app files', () => {
  it('hashed assets: gzip and a year of immutable caching', async () => {
    const res = await fetch(`${s.url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    expect((await res.text()).length).toBeGreaterThan(20_000); // fetch inflates it again
  });

  it('a missing asset is a 404, not the app page; the app page itself is revalidated', async () => {
    expect((await fetch(`${s.url}/assets/index-gone.js`)).status).toBe(404);
    const page = await fetch(`${s.url}/gallery/anything`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control') ?? '').not.toMatch(/immutable/);
  });

  it('API answers are compressed when they are large enough', async () => {
    const res = await fetch(`${s.url}/api/v1/openapi.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });
});
