/**
 * A server answers while the image index loads: image search says "warming up" (503 + Retry-After, code
 * warming_up) and browsing works; once the index is built, searches answer.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { searchRoutes } from './routes/search.routes.js';

let s: TestServer;
let search: ImageSearchService;

beforeAll(async () => {
  s = await startTestServer({
    routers: ({ db, imagesDir }) => {
      // not started: the state of a server whose index is still loading
      search = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0, backgroundReindex: false });
      return [searchRoutes({ search })];
    },
  });
});
afterAll(async () => {
  search?.stop();
  await s?.close();
});

const upload = async () => {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(await generateDemoImage(5, 'query'))]), 'q.jpg');
  return fetch(`${s.url}/api/v1/search/image`, { method: 'POST', body: form });
};

test('image search answers 503 warming_up with Retry-After until the index is ready; browse answers meanwhile', async () => {
  const early = await upload();
  expect(early.status).toBe(503);
  expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await early.json()) as { error: { code: string } }).error.code).toBe('warming_up');
  expect((await fetch(`${s.url}/api/v1/characters`)).status).toBe(200);
  await search.start();
  const ready = await upload();
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ verdict: 'none', matches: [] });
});
