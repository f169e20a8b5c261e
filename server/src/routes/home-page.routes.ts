/**
 * GET / (the gallery with no filter): index.html with the first gallery page inlined as JSON and preload
 * hints for the first cards' thumbnails. On a slow phone network every round trip costs ~0.5 s; this way
 * the thumbnails load alongside the app's JS instead of after JS → API → images (issue 12, page speed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { characterListQuery, GALLERY_CARD_SIZES, thumbSrcset } from '@waifudex/core/api/index';
import { listCharacterPage } from './characters.routes.js';

/** What the web app asks for first (web/src/composables/useCharacters.ts: 24 per page). */
export const INITIAL_GALLERY_URL = '/api/v1/characters?page=1&per_page=24';
/** Cards above the fold on a phone (2 columns) and most of the first row on a desktop. */
const PRELOADED = 4;

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
// JSON inside <script> must not close the element: escape '<' (and the line separators JS once disliked)
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export function homePageRoutes(deps: { db: Db; webDir: string | null }): Router {
  const r = Router();
  const indexHtml = deps.webDir ? path.join(deps.webDir, 'index.html') : null;
  r.get('/', async (req, res, next) => {
    if (!indexHtml || Object.keys(req.query).length || !fs.existsSync(indexHtml)) return next();
    const html = await fs.promises.readFile(indexHtml, 'utf8');
    let page;
    try {
      page = await listCharacterPage(
        deps.db,
        characterListQuery.parse(Object.fromEntries(new URL(INITIAL_GALLERY_URL, 'http://x').searchParams)),
      );
    } catch {
      return next(); // the plain page still works: the app asks the API itself
    }
    const preloads = page.items
      .slice(0, PRELOADED)
      .flatMap((c) => (c.artwork ? [c.artwork] : []))
      .map((a) => {
        const srcset = thumbSrcset(a.thumbs);
        const responsive = srcset ? ` imagesrcset="${attr(srcset)}" imagesizes="${attr(GALLERY_CARD_SIZES)}"` : '';
        return `<link rel="preload" as="image" href="${attr(a.thumb_url)}"${responsive} fetchpriority="high" />`;
      });
    const data = `<script type="application/json" id="initial-data">${scriptJson({ [INITIAL_GALLERY_URL]: page })}</script>`;
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(html.replace('</head>', `  ${[...preloads, data].join('\n    ')}\n  </head>`));
  });
  return r;
}
