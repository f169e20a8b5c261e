/**
 * GET / (the gallery with no filter), built so a phone on slow 4G paints it from this one response
 * (issue 12, page speed; every further round trip costs ~0.6 s there):
 * - the head first, sent before the database is asked: the stylesheet rules of the first screen (the
 *   build's critical.css) and the dark-mode script inlined, each allowed by its hash in the
 *   Content-Security-Policy, so nothing blocks the first paint;
 * - the first screen as static markup inside #app (home-shell.ts), with tiny placeholders of the first
 *   cards' pictures inlined as data: URIs; the app replaces it when it mounts;
 * - after it, the first gallery page as JSON (the app's first request), preload hints for the thumbnails
 *   the cards' srcset will pick, the whole stylesheet and the app's script.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { Db } from '@waifudex/core/db/database';
import { characterListQuery, GALLERY_CARD_SIZES, thumbSrcset, type CharacterList } from '@waifudex/core/api/index';
import { isImageKey, type ImageStore } from '@waifudex/core/services/image-store';
import { makePlaceholder } from '@waifudex/core/images/placeholder';
import { listCharacterPage } from './characters.routes.js';
import { renderHomeShell } from './home-shell.js';

/** What the web app asks for first (web/src/composables/useCharacters.ts: 24 per page). */
export const INITIAL_GALLERY_URL = '/api/v1/characters?page=1&per_page=24';
/** Cards above the fold on a phone (2 columns) and most of the first row on a desktop. */
const PRELOADED = 4;
/** Cards whose placeholder comes inside the HTML: a phone's first screen and a desktop's first row. */
const PLACEHOLDERS = 6;
/** A placeholder is a few hundred bytes; an odd one larger than this is left out. */
const PLACEHOLDER_BYTES = 1024;
/** Placeholders kept in memory: the first cards of the pages people open, a few hundred bytes each. */
const PLACEHOLDER_CACHE = 256;

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
// JSON inside <script> must not close the element: escape '<' (and the line separators JS once disliked)
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
const sha256 = (s: string) => `'sha256-${crypto.createHash('sha256').update(s, 'utf8').digest('base64')}'`;

interface BuiltPage {
  /** index.html up to #app: the critical (or whole) stylesheet and the theme script inline; sent at once. */
  head: string;
  /** After #app: the whole stylesheet's link (when only the critical part is inline) and the app's script. */
  tail: string;
  scriptHashes: string[];
  styleHashes: string[];
}

const APP = '<div id="app"></div>';

/**
 * Reads the built index.html and the files it names once per build (keyed by the file's mtime). With the
 * build's critical.css (web/critical-css.ts) only that is inlined and the whole stylesheet is linked after
 * #app, with the app's script after it (a script waits for the stylesheets before it, so the app never
 * mounts unstyled); the first screen then needs ~5 KB of CSS instead of ~13 KB.
 */
function builtPage(webDir: string): () => Promise<BuiltPage | null> {
  let cached: { mtimeMs: number; page: BuiltPage } | null = null;
  const indexHtml = path.join(webDir, 'index.html');
  return async () => {
    const st = await fs.promises.stat(indexHtml).catch(() => null);
    if (!st) return null;
    if (cached?.mtimeMs === st.mtimeMs) return cached.page;
    let html = await fs.promises.readFile(indexHtml, 'utf8');
    if (!html.includes(APP)) return null;
    const scriptHashes: string[] = [];
    const styleHashes: string[] = [];
    const late: string[] = [];
    // a file that is missing or odd stays a link: the page is then only slower
    const read = (href: string) =>
      /^\/[\w./-]+$/.test(href) && !href.includes('..')
        ? fs.promises.readFile(path.join(webDir, href), 'utf8').catch(() => null)
        : Promise.resolve(null);
    const inlineStyle = (css: string) => (styleHashes.push(sha256(css)), `<style>${css}</style>`);
    const critical = await read('/critical.css');
    const sheets = [...html.matchAll(/<link rel="stylesheet"(?: crossorigin)? href="([^"]+)">/g)];
    if (critical !== null && !critical.includes('</style') && sheets.length === 1) {
      html = html.replace(sheets[0]![0], () => inlineStyle(critical));
      late.push(sheets[0]![0]);
    } else
      for (const m of sheets) {
        const css = await read(m[1]!);
        if (css !== null && !css.includes('</style')) html = html.replace(m[0], () => inlineStyle(css));
      }
    for (const m of [...html.matchAll(/<script src="(\/[\w.-]+\.js)"><\/script>/g)]) {
      const js = await read(m[1]!);
      if (js === null || js.includes('</script')) continue;
      html = html.replace(m[0], () => `<script>${js}</script>`);
      scriptHashes.push(sha256(js));
    }
    // the app's script after the first screen: its download must not share the slow link with the HTML
    for (const m of [...html.matchAll(/\s*<script type="module"[^>]*><\/script>/g)]) {
      html = html.replace(m[0], '');
      late.push(m[0].trim());
    }
    const [head, tail] = html.split(APP) as [string, string];
    const page = {
      head,
      tail: late.length ? tail.replace('</body>', () => `${late.join('')}</body>`) : tail,
      scriptHashes,
      styleHashes,
    };
    cached = { mtimeMs: st.mtimeMs, page };
    return page;
  };
}

/** Adds hashes to the script-src and style-src of the policy the security headers set. */
function allowInline(res: Response, page: BuiltPage) {
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp !== 'string') return;
  const add = (policy: string, directive: string, hashes: string[]) =>
    hashes.length ? policy.replace(new RegExp(`(^|;)(${directive} [^;]*)`), `$1$2 ${hashes.join(' ')}`) : policy;
  res.setHeader(
    'Content-Security-Policy',
    add(add(csp, 'script-src', page.scriptHashes), 'style-src', page.styleHashes),
  );
}

/**
 * data: URIs of tiny blurred placeholders (core/src/images/placeholder.ts) of the first cards' smallest
 * thumbnails, made once per thumbnail: thumbnails are content-addressed, so a placeholder never goes stale.
 */
function placeholders(store: ImageStore | undefined) {
  // the pending promise is cached, so that requests arriving together make the placeholder once
  const cache = new LRUCache<string, Promise<string | null>>({ max: PLACEHOLDER_CACHE });
  const make = async (key: string) => {
    const bytes = isImageKey(key) && key.endsWith('.webp') ? await store!.get(key).catch(() => null) : null;
    const tiny = bytes ? await makePlaceholder(bytes).catch(() => null) : null;
    return tiny && tiny.length <= PLACEHOLDER_BYTES ? `data:image/webp;base64,${tiny.toString('base64')}` : null;
  };
  const uriOf = (url: string) => {
    const key = decodeURIComponent(url.replace(/^\/images\//, ''));
    let uri = cache.get(key);
    if (!uri) cache.set(key, (uri = make(key)));
    return uri;
  };
  return async (page: CharacterList): Promise<Map<string, string>> => {
    if (!store) return new Map();
    const cards = page.items.slice(0, PLACEHOLDERS);
    const uris = await Promise.all(
      cards.map((c) => (c.artwork?.thumbs[0] ? uriOf(c.artwork.thumbs[0].url) : Promise.resolve(null))),
    );
    return new Map(cards.flatMap((c, i) => (uris[i] ? [[c.id, uris[i]] as const] : [])));
  };
}

export function homePageRoutes(deps: { db: Db; webDir: string | null; images?: ImageStore }): Router {
  const r = Router();
  const built = deps.webDir ? builtPage(deps.webDir) : null;
  const placeholdersOf = placeholders(deps.images);
  r.get('/', async (req, res, next) => {
    if (!built || Object.keys(req.query).length) return next();
    const page = await built();
    if (!page) return next();
    allowInline(res, page);
    res.type('html').setHeader('Cache-Control', 'no-cache');
    // the head (stylesheet, theme) goes out while the database answers: on a slow link it is on its way
    res.write(page.head);
    res.flush();
    let app = APP;
    try {
      const gallery = await listCharacterPage(
        deps.db,
        characterListQuery.parse(Object.fromEntries(new URL(INITIAL_GALLERY_URL, 'http://x').searchParams)),
      );
      const preloads = gallery.items
        .slice(0, PRELOADED)
        .flatMap((c) => (c.artwork ? [c.artwork] : []))
        .map((a) => {
          const srcset = thumbSrcset(a.thumbs);
          const responsive = srcset ? ` imagesrcset="${attr(srcset)}" imagesizes="${attr(GALLERY_CARD_SIZES)}"` : '';
          return `<link rel="preload" as="image" href="${attr(a.thumb_url)}"${responsive} fetchpriority="high" />`;
        });
      const shell = renderHomeShell(gallery, await placeholdersOf(gallery), PRELOADED);
      // the first gallery page after the first screen: the app reads it when it runs, the paint needs none of it
      const data = `<script type="application/json" id="initial-data">${scriptJson({ [INITIAL_GALLERY_URL]: gallery })}</script>`;
      app = `${preloads.join('')}<div id="app">${shell}</div>${data}`;
    } catch {
      // the plain page still works: the app asks the API itself
    }
    res.end(app + page.tail);
  });
  return r;
}
