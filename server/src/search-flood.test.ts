/** A search flood is limited (429 per address, 503 when the image queue is full) and browsing stays fast meanwhile. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { testLogger } from '@waifudex/core/testing/test-db';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { searchRoutes } from './routes/search.routes.js';
import { createImageGate } from './http/image-gate.js';

let s: TestServer;
let search: ImageSearchService;
let query: Buffer;

beforeAll(async () => {
  s = await startTestServer({
    app: { trustProxy: 1, searchRateLimitPerMinute: 5 },
    routers: ({ db, imagesDir }) => {
      search = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0, backgroundReindex: false });
      return [searchRoutes({ search, gate: createImageGate({ concurrency: 1, queue: 2, maxWaitMs: 3000 }) })];
    },
  });
  for (let i = 0; i < 12; i++) await s.ingest.ingestImage({ bytes: await generateDemoImage(i, `c${i}`), caption: `Name: Char ${i}\nAnime: Show\nID: ${i}` });
  await search.start();
  // A large phone screenshot: decoding and verifying it is the expensive part.
  query = await sharp(await generateDemoImage(3, 'c3')).resize(2400, 3200).jpeg({ quality: 95 }).toBuffer();
});
afterAll(async () => {
  search?.stop();
  await s?.close();
});

function searchFrom(address: string) {
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(query)], { type: 'image/jpeg' }), 'q.jpg');
  return fetch(`${s.url}/api/v1/search/image`, { method: 'POST', body: form, headers: { 'x-forwarded-for': address } });
}

async function browseTimes(n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(`${s.url}/api/v1/characters?per_page=24&page=${(i % 3) + 1}`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

describe('search flood', () => {
  it('one address gets 429 with Retry-After past its per-minute budget', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const res = await searchFrom('203.0.113.1');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 5).every((x) => x === 200)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('many addresses at once: the queue refuses the excess with 503, and browse p99 stays low', async () => {
    const idle = await browseTimes(30);
    const flood = Promise.all(Array.from({ length: 16 }, (_, i) => searchFrom(`198.51.100.${i}`).then(async (r) => (await r.arrayBuffer(), r.status))));
    await new Promise((r) => setTimeout(r, 100));
    const busy = await browseTimes(40);
    const statuses = await flood;
    console.log(`browse idle p50 ${pct(idle, 0.5).toFixed(1)} ms; during a 16-search flood p50 ${pct(busy, 0.5).toFixed(1)} ms, p99 ${pct(busy, 0.99).toFixed(1)} ms; statuses ${statuses.join(',')}`);
    expect(statuses.filter((x) => x === 503).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(3);
    expect(pct(busy, 0.99)).toBeLessThan(1000);
  });
});
