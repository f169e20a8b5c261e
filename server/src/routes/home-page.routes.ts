/**
 * GET / (the gallery with no filter), built so a phone on slow 4G paints it from this one response
 * (issue 12, page speed; every further round trip costs ~0.6 s there):
 * - the first screen as static markup inside #app (home-shell.ts), with the first cards' smallest
 *   thumbnails inlined as data: URIs; the app replaces it when it mounts;
 * - the app's stylesheet (small since the build drops unused Bootstrap) and the dark-mode script inlined,
 *   each allowed by its hash in the Content-Security-Policy, so nothing blocks the first paint;
 * - the first gallery page as JSON (the app's first request) and preload hints for the thumbnails the
 *   cards' srcset will pick.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { characterListQuery, GALLERY_CARD_SIZES, thumbSrcset, type CharacterList } from '@waifudex/core/api/index';
import { isImageKey, type ImageStore } from '@waifudex/core/services/image-store';
import { listCharacterPage } from './characters.routes.js';
import { renderHomeShell } from './home-shell.js';

/** What the web app asks for first (web/src/composables/useCharacters.ts: 24 per page). */
export const INITIAL_GALLERY_URL = '/api/v1/characters?page=1&per_page=24';
/** Cards above the fold on a phone (2 columns) and most of the first row on a desktop. */
const PRELOADED = 4;
/** Cards whose smallest thumbnail comes inside the HTML: one phone row. */
const INLINED = 2;
/** …as long as they stay this small together (one large picture must not slow the page for everyone). */
const INLINE_BUDGET = 24 * 1024;

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
// JSON inside <script> must not close the element: escape '<' (and the line separators JS once disliked)
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
const sha256 = (s: string) => `'sha256-${crypto.createHash('sha256').update(s, 'utf8').digest('base64')}'`;

interface BuiltPage {
  /** index.html with the stylesheet link and the theme script replaced by inline copies. */
  html: string;
  scriptHashes: string[];
  styleHashes: string[];
}

/** Reads the built index.html and the files it names once per build (keyed by the file's mtime). */
function builtPage(webDir: string): () => Promise<BuiltPage | null> {
  let cached: { mtimeMs: number; page: BuiltPage } | null = null;
  const indexHtml = path.join(webDir, 'index.html');
  return async () => {
    const st = await fs.promises.stat(indexHtml).catch(() => null);
    if (!st) return null;
    if (cached?.mtimeMs === st.mtimeMs) return cached.page;
    let html = await fs.promises.readFile(indexHtml, 'utf8');
    const scriptHashes: string[] = [];
    const styleHashes: string[] = [];
    // a file that is missing or odd stays a link: the page is then only slower
    const read = (href: string) =>
      /^\/[\w./-]+$/.test(href) && !href.includes('..')
        ? fs.promises.readFile(path.join(webDir, href), 'utf8').catch(() => null)
        : Promise.resolve(null);
    for (const m of [...html.matchAll(/<link rel="stylesheet"(?: crossorigin)? href="([^"]+)">/g)]) {
      const css = await read(m[1]!);
      if (css === null || css.includes('</style')) continue;
      html = html.replace(m[0], () => `<style>${css}</style>`);
      styleHashes.push(sha256(css));
    }
    for (const m of [...html.matchAll(/<script src="(\/[\w.-]+\.js)"><\/script>/g)]) {
      const js = await read(m[1]!);
      if (js === null || js.includes('</script')) continue;
      html = html.replace(m[0], () => `<script>${js}</script>`);
      scriptHashes.push(sha256(js));
    }
    cached = { mtimeMs: st.mtimeMs, page: { html, scriptHashes, styleHashes } };
    return cached.page;
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

/** data: URIs of the first cards' smallest thumbnails, within the budget; content-addressed, so cached for good. */
function inlineThumbs(store: ImageStore | undefined) {
  const cache = new Map<string, string | null>();
  const uriOf = async (url: string) => {
    const key = decodeURIComponent(url.replace(/^\/images\//, ''));
    if (!cache.has(key)) {
      const bytes = isImageKey(key) && key.endsWith('.webp') ? await store!.get(key).catch(() => null) : null;
      if (cache.size > 256) cache.clear();
      cache.set(
        key,
        bytes && bytes.length <= INLINE_BUDGET ? `data:image/webp;base64,${bytes.toString('base64')}` : null,
      );
    }
    return cache.get(key)!;
  };
  return async (page: CharacterList): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    if (!store) return out;
    let used = 0;
    for (const c of page.items.slice(0, INLINED)) {
      const smallest = c.artwork?.thumbs[0];
      const uri = smallest ? await uriOf(smallest.url) : null;
      if (!uri || used + uri.length > INLINE_BUDGET * 1.4) break;
      used += uri.length;
      out.set(c.id, uri);
    }
    return out;
  };
}

export function homePageRoutes(deps: { db: Db; webDir: string | null; images?: ImageStore }): Router {
  const r = Router();
  const built = deps.webDir ? builtPage(deps.webDir) : null;
  const thumbsOf = inlineThumbs(deps.images);
  r.get('/', async (req, res, next) => {
    if (!built || Object.keys(req.query).length) return next();
    const page = await built();
    if (!page) return next();
    let gallery;
    try {
      gallery = await listCharacterPage(
        deps.db,
        characterListQuery.parse(Object.fromEntries(new URL(INITIAL_GALLERY_URL, 'http://x').searchParams)),
      );
    } catch {
      return next(); // the plain page still works: the app asks the API itself
    }
    const inlined = await thumbsOf(gallery);
    const preloads = gallery.items
      .slice(0, PRELOADED)
      .flatMap((c) => (c.artwork ? [c.artwork] : []))
      .map((a) => {
        const srcset = thumbSrcset(a.thumbs);
        const responsive = srcset ? ` imagesrcset="${attr(srcset)}" imagesizes="${attr(GALLERY_CARD_SIZES)}"` : '';
        return `<link rel="preload" as="image" href="${attr(a.thumb_url)}"${responsive} fetchpriority="high" />`;
      });
    const data = `<script type="application/json" id="initial-data">${scriptJson({ [INITIAL_GALLERY_URL]: gallery })}</script>`;
    allowInline(res, page);
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(
      page.html
        .replace('</head>', () => `  ${[...preloads, data].join('\n    ')}\n  </head>`)
        .replace('<div id="app"></div>', () => `<div id="app">${renderHomeShell(gallery, inlined, PRELOADED)}</div>`),
    );
  });
  return r;
}
