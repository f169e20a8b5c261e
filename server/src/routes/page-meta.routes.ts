/**
 * Link previews (issue 12): Telegram and other apps read <title> and Open Graph tags from the HTML
 * without running the app, so /c/:id answers index.html with the character's name, anime and picture.
 * Anything else (unknown or hidden id, no built web app) falls through to the plain SPA fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { findCharacterById } from '@waifudex/core/repos/characters.repo';
import { listArtworksOfCharacter } from '@waifudex/core/repos/artworks.repo';
import { imageUrl } from '@waifudex/core/api/index';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** index.html with its title and og: tags replaced (the built file carries the site-wide ones). */
export function withPageMeta(
  html: string,
  m: { title: string; description: string; image: string | null; url: string },
): string {
  const tags = [
    `<meta property="og:title" content="${escapeHtml(m.title)}" />`,
    `<meta property="og:description" content="${escapeHtml(m.description)}" />`,
    `<meta property="og:url" content="${escapeHtml(m.url)}" />`,
    ...(m.image
      ? [
          `<meta property="og:image" content="${escapeHtml(m.image)}" />`,
          '<meta name="twitter:card" content="summary_large_image" />',
        ]
      : []),
  ].join('\n    ');
  return html
    .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(m.title)}</title>`)
    .replace(/\s*<meta\s+property="og:(?:title|description|url|image)"[^>]*>/g, '')
    .replace(
      /\s*<meta\s+name="description"[^>]*>/,
      `\n    <meta name="description" content="${escapeHtml(m.description)}" />`,
    )
    .replace('</head>', `    ${tags}\n  </head>`);
}

export function pageMetaRoutes(deps: { db: Db; webDir: string | null }): Router {
  const r = Router();
  const indexHtml = deps.webDir ? path.join(deps.webDir, 'index.html') : null;
  r.get('/c/:id', async (req, res, next) => {
    if (!indexHtml || !/^\d{1,18}$/.test(req.params.id) || !fs.existsSync(indexHtml)) return next();
    const c = await findCharacterById(deps.db, req.params.id);
    if (!c || c.hidden) return next();
    const art = (await listArtworksOfCharacter(deps.db, c.id)).find((a) => !a.hidden) ?? null;
    const origin = `${req.protocol}://${req.get('host')}`;
    const name = c.name ?? 'Unnamed character';
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(
      withPageMeta(await fs.promises.readFile(indexHtml, 'utf8'), {
        title: `${name}${c.anime ? ` · ${c.anime}` : ''} · Waifudex`,
        description:
          [c.anime, [c.rarityEmoji, c.rarity].filter(Boolean).join(' '), c.sourceId ? `id ${c.sourceId}` : null]
            .filter(Boolean)
            .join(' · ') || 'A character in the Waifudex gallery',
        image: art ? `${origin}${imageUrl(art.filePath)}` : null,
        url: `${origin}${req.originalUrl}`,
      }),
    );
  });
  return r;
}
