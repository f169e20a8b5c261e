/** The home page carries the first gallery page and preload hints for its first thumbnails. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { GALLERY_CARD_SIZES } from '@waifudex/core/api/index';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { INITIAL_GALLERY_URL } from './home-page.routes.js';

const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-home-'));
fs.writeFileSync(
  path.join(webDir, 'index.html'),
  '<!doctype html><html><head><title>Waifudex</title></head><body><div id="app"></div></body></html>',
);
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ webDir });
  for (let i = 0; i < 6; i++) {
    await s.ingest.ingestImage({
      bytes: await generateDemoImage(60 + i, `H${i}`),
      caption: `Name: Home ${i} </script><script>alert(1)</script>\nID: ${60 + i}`,
    });
  }
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

const inlined = (html: string) =>
  JSON.parse(/<script type="application\/json" id="initial-data">([^<]*)<\/script>/.exec(html)![1]!);

describe('GET /', () => {
  it('inlines exactly what the gallery API answers, with no way to break out of the script element', async () => {
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)');
    const api = await (await fetch(`${s.url}${INITIAL_GALLERY_URL}`)).json();
    expect(inlined(html)).toEqual({ [INITIAL_GALLERY_URL]: api });
    expect(api.items[0].name).toContain('</script>');
  });

  it('preloads the first four cards at the srcset and sizes the cards use', async () => {
    const html = await (await fetch(`${s.url}/`)).text();
    const links = [
      ...html.matchAll(
        /<link rel="preload" as="image" href="([^"]+)" imagesrcset="([^"]+)" imagesizes="([^"]+)" fetchpriority="high" \/>/g,
      ),
    ];
    const api = await (await fetch(`${s.url}${INITIAL_GALLERY_URL}`)).json();
    expect(links.map((m) => m[1])).toEqual(api.items.slice(0, 4).map((c: any) => c.artwork.thumb_url));
    expect(links[0]![2]).toBe(api.items[0].artwork.thumbs.map((t: any) => `${t.url} ${t.width}w`).join(', '));
    expect(new Set(links.map((m) => m[3]))).toEqual(new Set([GALLERY_CARD_SIZES]));
    // the web app's cards must ask with the same sizes, or the browser would fetch twice
    expect(fs.readFileSync(path.join(import.meta.dirname, '../../../web/src/lib/srcset.ts'), 'utf8')).toContain(
      `'${GALLERY_CARD_SIZES}'`,
    );
  });

  it('a filtered address gets the plain page (its data would differ)', async () => {
    const html = await (await fetch(`${s.url}/?q=home`)).text();
    expect(html).not.toContain('initial-data');
    expect(html).not.toContain('rel="preload"');
  });
});
