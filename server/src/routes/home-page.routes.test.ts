/** The home page carries the first gallery page and preload hints for its first thumbnails. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { GALLERY_CARD_SIZES } from '@waifudex/core/api/index';
import { makePlaceholder, PLACEHOLDER_WIDTH } from '@waifudex/core/images/placeholder';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { INITIAL_GALLERY_URL } from './home-page.routes.js';

const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-home-'));
fs.writeFileSync(
  path.join(webDir, 'index.html'),
  '<!doctype html><html><head><title>Waifudex</title><script src="/theme.js"></script>' +
    '<script type="module" crossorigin src="/assets/app.js"></script>' +
    '<link rel="stylesheet" crossorigin href="/assets/app.css"></head><body><div id="app"></div></body></html>',
);
fs.mkdirSync(path.join(webDir, 'assets'));
fs.writeFileSync(path.join(webDir, 'assets/app.css'), '.card{color:red}');
fs.writeFileSync(path.join(webDir, 'assets/app.js'), 'console.log(1)');
fs.writeFileSync(path.join(webDir, 'theme.js'), 'document.documentElement.dataset.x = "1";');
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ webDir });
  for (let i = 0; i < 8; i++) {
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

  it('paints the first screen from the HTML: escaped cards, tiny placeholders of the first six pictures inlined', async () => {
    const html = await (await fetch(`${s.url}/`)).text();
    const app = /<div id="app">([\s\S]*?)<\/div><script type="application\/json"/.exec(html)![1]!;
    const api = await (await fetch(`${s.url}${INITIAL_GALLERY_URL}`)).json();
    const names = [...app.matchAll(/<h3 [^>]*>([^<]*)<\/h3>/g)].map((m) => m[1]);
    expect(names).toEqual(
      api.items.map((c: any) => c.name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')),
    );
    const inlined = [...app.matchAll(/src="data:image\/webp;base64,([^"]+)"[^>]* data-inline-thumb="(\d+)"/g)];
    expect(inlined.map((m) => m[2])).toEqual(api.items.slice(0, 6).map((c: any) => c.id));
    for (const [i, m] of inlined.entries()) {
      const bytes = Buffer.from(m[1]!, 'base64');
      const stored = Buffer.from(await (await fetch(`${s.url}${api.items[i].artwork.thumbs[0].url}`)).arrayBuffer());
      expect(bytes.equals(await makePlaceholder(stored))).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width]).toEqual(['webp', PLACEHOLDER_WIDTH]);
      expect(bytes.length).toBeLessThan(1024);
    }
    // the rest wait for the app, in a box of the same size; none loads its srcset before the app runs
    expect(app).not.toContain('srcset="');
    expect(app.match(/<div class="card-img-top thumb bg-secondary-subtle"><\/div>/g)).toHaveLength(
      api.items.length - 6,
    );
  });

  it('inlines the stylesheet and the theme script, each allowed by its own hash and nothing else', async () => {
    const res = await fetch(`${s.url}/`);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const hash = (x: string) => `'sha256-${crypto.createHash('sha256').update(x).digest('base64')}'`;
    expect(html).toContain('<style>.card{color:red}</style>');
    expect(html).toContain('<script>document.documentElement.dataset.x = "1";</script>');
    expect(html).toContain('<script type="module" crossorigin src="/assets/app.js"></script>'); // the app stays a file
    expect(csp).toContain(`script-src 'self' ${hash('document.documentElement.dataset.x = "1";')};`);
    expect(csp).toContain(`style-src 'self' ${hash('.card{color:red}')};`);
    expect(csp).not.toContain('unsafe-inline');
    // any other page keeps the plain policy
    const plain = (await fetch(`${s.url}/account`)).headers.get('content-security-policy');
    expect(plain).toContain("script-src 'self';");
  });

  it("with the build's critical.css: only that inline in the head, the whole stylesheet and the app after the first screen", async () => {
    fs.writeFileSync(path.join(webDir, 'critical.css'), '.card{color:blue}');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(webDir, 'index.html'), later, later); // a new build
    const res = await fetch(`${s.url}/`);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const [head, body] = html.split('<body>') as [string, string];
    expect(head).toContain('<style>.card{color:blue}</style>');
    expect(head).not.toContain('stylesheet');
    expect(head).not.toContain('type="module"');
    expect(csp).toContain(
      `style-src 'self' 'sha256-${crypto.createHash('sha256').update('.card{color:blue}').digest('base64')}';`,
    );
    // in order: the first screen, the app's data, the whole stylesheet, then the app (which waits for it)
    const at = (x: string) => body.indexOf(x);
    expect(at('<div id="app"><a class="visually-hidden-focusable skip-link"')).toBeGreaterThan(-1);
    expect(at('<div id="app">')).toBeLessThan(at('id="initial-data"'));
    expect(at('id="initial-data"')).toBeLessThan(at('<link rel="stylesheet" crossorigin href="/assets/app.css">'));
    expect(at('<link rel="stylesheet"')).toBeLessThan(at('<script type="module" crossorigin src="/assets/app.js">'));
    expect(body).toMatch(/<\/script><\/body>\s*<\/html>\s*$/);
  });

  it('sends the head while the database is still busy, the first screen once it answers', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // another connection holds the characters table, as a slow database would
    const tx = s.db.transaction(async (q) => {
      await q.query('LOCK TABLE characters IN ACCESS EXCLUSIVE MODE');
      locked();
      await held;
    });
    await isLocked;
    let reader!: ReadableStreamDefaultReader<string>;
    try {
      const res = await fetch(`${s.url}/`);
      reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let early = '';
      while (!early.includes('<body>')) {
        const { value, done } = await reader.read();
        if (done) break;
        early += value;
      }
      expect(early).toContain('<style>');
      expect(early).not.toContain('<div id="app">');
    } finally {
      release();
      await tx;
    }
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
    }
    expect(rest).toContain('id="initial-data"');
    expect(rest).toContain('<article class="card');
  });

  it('the head goes out before the database answers; if it then fails, the page ends as the plain one', async () => {
    await s.db.query('ALTER TABLE characters RENAME TO characters_away');
    try {
      const res = await fetch(`${s.url}/`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<style>');
      expect(html).toContain('<div id="app"></div>');
      expect(html).not.toContain('initial-data');
      expect(html).toMatch(
        /<script type="module" crossorigin src="\/assets\/app.js"><\/script><\/body>\s*<\/html>\s*$/,
      );
    } finally {
      await s.db.query('ALTER TABLE characters_away RENAME TO characters');
    }
    expect(await (await fetch(`${s.url}/`)).text()).toContain('initial-data');
  });

  it('a filtered address gets the plain page (its data would differ)', async () => {
    const html = await (await fetch(`${s.url}/?q=home`)).text();
    expect(html).not.toContain('initial-data');
    expect(html).not.toContain('rel="preload"');
    expect(html).toContain('<div id="app"></div>');
  });
});
