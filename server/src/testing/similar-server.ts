/**
 * Test support: the app with the similar-artwork routes on the real CLIP embedder running the tests' tiny
 * CLIP-shaped ONNX model, with generated pictures ingested and embedded. The route test and the character
 * page's browser journey both start it.
 */
import type { Router } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { createClipEmbedder } from '@waifudex/core/images/clip-embedder';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import {
  createSimilarArtworksService,
  type SimilarArtworksService,
} from '@waifudex/core/services/similar-artworks.service';
import { testLogger } from '@waifudex/core/testing/test-db';
import { createTinyClipModel } from '@waifudex/core/testing/tiny-clip-model';
import { similarRoutes } from '../routes/similar.routes.js';
import { startTestServer, type TestServer } from './test-server.js';

export interface SimilarServer extends TestServer {
  similar: SimilarArtworksService;
  /** The ingested pictures, in the order given. */
  artworks: Array<{ characterId: string; artworkId: string; bytes: Buffer }>;
}

export async function startSimilarServer(opts: {
  /** One generated picture each (generateDemoImage(seed, name)), ingested with its caption. */
  pictures: Array<{ seed: number; name: string; caption: string }>;
  webDir?: string;
  maxUploadBytes?: number;
  /** Routers mounted beside the similar routes. */
  routers?: (deps: { db: Db; imagesDir: string }) => Router[];
}): Promise<SimilarServer> {
  const tiny = createTinyClipModel({ dims: 24 });
  let similar!: SimilarArtworksService;
  const server = await startTestServer({
    webDir: opts.webDir,
    routers: ({ db, imagesDir }) => {
      similar = createSimilarArtworksService({
        db,
        logger: testLogger,
        embedder: createClipEmbedder({ model: tiny.dir }),
        imagesDir,
      });
      return [
        ...(opts.routers?.({ db, imagesDir }) ?? []),
        similarRoutes({ similar, maxUploadBytes: opts.maxUploadBytes }),
      ];
    },
  });
  const artworks: SimilarServer['artworks'] = [];
  try {
    for (const p of opts.pictures) {
      const bytes = await generateDemoImage(p.seed, p.name);
      const out = await server.ingest.ingestImage({ bytes, caption: p.caption });
      await similar.embedArtwork(out.artworkId, bytes);
      artworks.push({ characterId: out.characterId, artworkId: out.artworkId, bytes });
    }
  } catch (err) {
    await similar.close();
    await server.close();
    tiny.remove();
    throw err;
  }
  return {
    ...server,
    similar,
    artworks,
    async close() {
      await similar.close();
      await server.close();
      tiny.remove();
    },
  };
}
