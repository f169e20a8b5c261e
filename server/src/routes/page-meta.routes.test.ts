import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { startTestServer, type TestServer } from '../testing/test-server.js';

let s: TestServer;
const ids: string[] = [];
const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-web-'));
fs.writeFileSync(
  path.join(webDir, 'index.html'),
  `<!doctype html><html><head>
    <title>Who is this? · Waifudex</title>
    <meta name="description" content="site" />
    <meta property="og:title" content="Who is this? · Waifudex" />
    <meta property="og:description" content="site" />
  </head><body><div id="app"></div></body></html>`,
);

beforeAll(async () => {
  s = await startTestServer({ webDir });
  for (const [i, caption] of [
    'Name: Rem\nAnime: Re:Zero\n🟡 Rarity: Legendary\nID: 7',
    'Name: <script>alert(1)</script> "Bob"\nAnime: Test',
  ].entries()) {
    ids.push((await s.ingest.ingestImage({ bytes: await generateDemoImage(80 + i, `c${i}`), caption })).characterId);
  }
});
afterAll(async () => {
  await s?.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

const page = async (p: string) => (await fetch(`${s.url}${p}`)).text();

describe('link previews of character pages', () => {
  it('names the character, its anime and picture in the title and Open Graph tags', async () => {
    const html = await page(`/c/${ids[0]}`);
    expect(html).toContain('<title>Rem · Re:Zero · Waifudex</title>');
    expect(html).toContain('<meta property="og:title" content="Rem · Re:Zero · Waifudex" />');
    expect(html).toContain('<meta property="og:description" content="Re:Zero · 🟡 Legendary · id 7" />');
    expect(html).toMatch(
      new RegExp(`<meta property="og:image" content="${s.url}/images/originals/[0-9a-f]{2}/[0-9a-f]{64}\\.jpg" />`),
    );
    expect(html.match(/og:title/g)).toHaveLength(1);
    expect(html).toContain('<div id="app"></div>');
  });

  it('escapes what captions contain, and leaves unknown pages to the plain app', async () => {
    const html = await page(`/c/${ids[1]}`);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; &quot;Bob');
    for (const p of ['/c/999999', '/c/abc', '/'])
      expect(await page(p)).toContain('<title>Who is this? · Waifudex</title>');
  });
});
