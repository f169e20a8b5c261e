/** The routes the server really has are the ones the document describes, and it is served with a docs page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { operations } from './operations.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.close());

describe('served contract', () => {
  it('serves /api/v1/openapi.json and a script-free docs page', async () => {
    const doc = await (await fetch(`${s.url}/api/v1/openapi.json`)).json();
    expect(Object.keys(doc.paths)).toContain('/api/v1/characters');
    const page = await fetch(`${s.url}/api/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/<script|style=/i);
    for (const op of operations) expect(html).toContain(op.path.replace(/[{}]/g, (c) => c));
  });

  it('the public list answer has exactly the documented fields', async () => {
    await s.ingest.ingestImage({
      bytes: await (await import('@waifudex/core/images/demo-images')).generateDemoImage(1, 'x'),
      caption: 'Name: Rem\nAnime: Re:Zero',
    });
    const body = await (await fetch(`${s.url}/api/v1/characters`)).json();
    const { characterList } = await import('@waifudex/core/api/index');
    expect(characterList.strict().safeParse(body).success).toBe(true);
    expect(body.items[0].artwork.url).toMatch(/^\/images\/originals\/[0-9a-f]{2}\/[0-9a-f]{64}\.\w+$/);
  });
});
