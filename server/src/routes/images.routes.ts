/**
 * GET /images/<key>: stored originals and thumbnails. Keys are content addresses, so every answer may be
 * cached for a year. A local store is served as static files; an S3 store by a redirect to a signed URL
 * (the bucket may stay private; the browser then loads from the bucket) or, with S3_SERVE=proxy, by
 * streaming the object through this server.
 */
import express, { type Response, type Router } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@waifudex/core/logger';
import { isImageKey, type ImageStore } from '@waifudex/core/services/image-store';

/** How long a browser may reuse a redirect: well inside the signed URL's validity (≥ 6 days left, see s3-image-store). */
const REDIRECT_CACHE = 'public, max-age=86400';
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function imageRoutes(deps: { store: ImageStore; serve?: 'redirect' | 'proxy'; logger: Logger }): Router {
  const router = express.Router();
  const notFound = (res: Response) =>
    void res.status(404).json({ error: { code: 'not_found', message: 'no such image' } });
  if (deps.store.localDir) {
    router.use(
      '/images',
      express.static(deps.store.localDir, { immutable: true, maxAge: '365d', index: false, dotfiles: 'deny' }),
    );
    router.use('/images', (_req, res) => notFound(res));
    return router;
  }
  router.get('/images/*key', async (req, res) => {
    const key = keyFromPath(req.path);
    if (!key) return notFound(res);
    try {
      if (deps.serve !== 'proxy') {
        const url = await deps.store.signedUrl(key);
        if (!url) return notFound(res);
        res.set('Cache-Control', REDIRECT_CACHE);
        return res.redirect(302, url);
      }
      // the name is the content's hash: a cached copy is always current
      const etag = `"${key.slice(key.lastIndexOf('/') + 1)}"`;
      if (req.headers['if-none-match'] === etag)
        return void res.status(304).set({ ETag: etag, 'Cache-Control': IMMUTABLE }).end();
      const o = await deps.store.open(key);
      if (!o) return notFound(res);
      res.set({
        'Content-Type': o.contentType,
        'Content-Length': String(o.size),
        'Cache-Control': IMMUTABLE,
        ETag: etag,
      });
      if (req.method === 'HEAD') {
        o.body.destroy();
        return void res.end();
      }
      await pipeline(o.body, res);
    } catch (err) {
      deps.logger.warn({ key, err: (err as Error).message }, 'image store request failed');
      if (res.headersSent) return void res.destroy();
      res
        .set('Retry-After', '5')
        .status(503)
        .json({ error: { code: 'storage_unavailable', message: 'the image store did not answer; try again' } });
    }
  });
  router.use('/images', (_req, res) => notFound(res));
  return router;
}

function keyFromPath(p: string): string | null {
  try {
    const key = decodeURIComponent(p.replace(/^\/images\//, ''));
    return isImageKey(key) ? key : null;
  } catch {
    return null;
  }
}
