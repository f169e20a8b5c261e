/**
 * "Same character, different artwork" suggestions from CLIP embeddings (optional; CLIP_MODEL).
 * Results are always labelled `similar`: they are look-alikes for a human to check, never a match —
 * the reverse-search engine (image-search.service) is what answers "who is this?".
 *
 * Where PostgreSQL has pgvector the nearest neighbours come from its HNSW index; otherwise (the
 * embedded server) from an exact in-memory scan of the core-types table (embedding-memory-index.ts).
 * Without an embedder (CLIP_MODEL unset) the service reports `enabled: false` and answers with empty
 * lists; it never throws for that.
 */
import type { Db } from '../db/database.js';
import type { Logger } from '../logger.js';
import { imageUrl } from '../api/image-url.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';
import type { ImageEmbedder } from '../images/clip-embedder.js';
import { NotFoundError } from '../errors.js';
import {
  findEmbeddingStorage,
  getCharacterQueryArtwork,
  nearestArtworks,
  neighbourDetails,
  setSearchBreadth,
  upsertEmbedding,
  type EmbeddingStorageKind,
  type NeighbourRow,
} from '../repos/embeddings.repo.js';
import { createEmbeddingMemoryIndex, type EmbeddingMemoryIndex } from './embedding-memory-index.js';
import type { IngestService } from './ingest.service.js';
import type { CharacterBrief } from '../repos/rows.js';

export interface SimilarCandidate {
  character: CharacterBrief;
  artwork: { id: string; url: string; thumb_url: string };
  /** Cosine similarity of the CLIP embeddings, -1…1 (1 = same direction). */
  similarity: number;
  label: 'similar';
}

export interface SimilarStatus {
  enabled: boolean;
  model: string | null;
  /** Where neighbours are searched, once enabled: pgvector's HNSW index or this process's memory. */
  storage?: EmbeddingStorageKind;
  /** Why it is off (no CLIP_MODEL, the model failed to load, no table). */
  reason?: string;
}

export interface SimilarArtworksService {
  /** True when an embedder is configured and nothing has failed so far (see status()). */
  readonly enabled: boolean;
  status(): SimilarStatus;
  /** Loads the model and prepares storage; never throws (a failure turns the feature off, logged). */
  start(): Promise<SimilarStatus>;
  /** Embeds and stores one artwork's image (call after ingest). Throws on bad input; false when disabled or the artwork is gone. */
  embedArtwork(artworkId: string, bytes: Buffer): Promise<boolean>;
  /** embedArtwork in the background (one at a time, bounded); errors are logged. */
  queueEmbedding(artworkId: string, bytes: Buffer): void;
  /** Resolves when queued embeddings are done. */
  drain(): Promise<void>;
  /**
   * Characters whose artwork looks like this character's current artwork (the character itself left out),
   * or like the given image bytes; best first, one artwork per character, at most k.
   */
  similarTo(target: string | Buffer, k?: number): Promise<SimilarCandidate[]>;
  close(): Promise<void>;
}

export interface SimilarArtworksDeps {
  db: Db;
  logger: Logger;
  /** null/undefined: feature off (CLIP_MODEL unset). */
  embedder?: ImageEmbedder | null;
  /** Stored images, to embed a character's artwork on demand when the back-fill has not reached it (`imagesDir`: a local folder). */
  images?: ImageStore;
  imagesDir?: string;
  /** Public URL of a stored file (default `/images/<path>`). */
  urlFor?: (storedPath: string) => string;
  /** Most image bytes waiting for a background embedding (default 64 MB); more are dropped, the `embed` command catches up. */
  maxQueuedBytes?: number;
  /**
   * Without pgvector, load the embeddings into memory right after start() instead of on the first search
   * (the server: the first visitor should not wait for it; a CLI that only writes never needs it).
   */
  preloadIndex?: boolean;
}

export const MAX_K = 50;

export function createSimilarArtworksService(deps: SimilarArtworksDeps): SimilarArtworksService {
  const { db, logger } = deps;
  const embedder = deps.embedder ?? null;
  const store = deps.images || deps.imagesDir ? imageStoreOf(deps) : null;
  const urlFor = deps.urlFor ?? imageUrl;
  const maxQueuedBytes = deps.maxQueuedBytes ?? 64 * 1024 * 1024;
  let failure: string | null = embedder ? null : 'CLIP_MODEL is not set';
  let starting: Promise<boolean> | null = null;
  let pendingBytes = 0;
  let dropped = 0;
  let tail: Promise<void> = Promise.resolve();
  let storage: EmbeddingStorageKind | null = null;
  let memory: EmbeddingMemoryIndex | null = null;

  function status(): SimilarStatus {
    if (failure) return { enabled: false, model: embedder?.model ?? null, reason: failure };
    return storage ? { enabled: true, model: embedder!.model, storage } : { enabled: true, model: embedder!.model };
  }

  /** Loads the model and storage once; false (with `failure` set) when the feature cannot run. */
  function ready(): Promise<boolean> {
    if (!embedder || failure) return Promise.resolve(false);
    starting ??= (async () => {
      try {
        const dims = await embedder.load();
        const found = await findEmbeddingStorage(db, dims);
        if (!found.ok) {
          failure = found.reason;
          logger.warn({ model: embedder.model, reason: found.reason }, 'CLIP similarity disabled');
          return false;
        }
        storage = found.kind;
        if (storage === 'pgvector' && !found.indexed) {
          logger.warn(
            { model: embedder.model, dims },
            'no HNSW index for this embedding size (the migrations index 512, 768, 1024, 1152 and 1280): similar-artwork searches scan every row of this size',
          );
        }
        if (storage === 'memory') {
          memory = createEmbeddingMemoryIndex({ db, model: embedder.model, dims, logger });
          if (deps.preloadIndex) {
            memory
              .refresh()
              .catch((err: Error) =>
                logger.warn({ err: err.message }, 'could not load CLIP embeddings yet; the first search retries'),
              );
          }
        }
        logger.info({ model: embedder.model, dims, storage }, 'CLIP similarity enabled');
        return true;
      } catch (err) {
        failure = (err as Error).message;
        logger.error(
          { model: embedder.model, err: failure },
          'CLIP similarity disabled: the model could not be loaded',
        );
        return false;
      }
    })();
    return starting;
  }

  async function embedArtwork(artworkId: string, bytes: Buffer): Promise<boolean> {
    if (!(await ready())) return false;
    const vector = await embedder!.embed(bytes);
    return upsertEmbedding(db, artworkId, embedder!.model, vector);
  }

  /** Nearest visible artworks, best first, with headroom for hidden rows and repeated characters. */
  async function neighbours(
    embedding: Float32Array,
    k: number,
    excludeCharacterId: string | null,
  ): Promise<NeighbourRow[]> {
    // headroom for hidden rows, the excluded character and several artworks of one character
    const limit = Math.min(1000, Math.max(40, k * 5));
    if (memory) {
      return neighbourDetails(db, await memory.nearest(embedding, limit), excludeCharacterId);
    }
    return db.transaction(async (tx) => {
      await setSearchBreadth(tx, limit);
      return nearestArtworks(tx, { model: embedder!.model, embedding, limit, excludeCharacterId });
    });
  }

  async function search(
    embedding: Float32Array,
    k: number,
    excludeCharacterId: string | null,
  ): Promise<SimilarCandidate[]> {
    const rows = await neighbours(embedding, k, excludeCharacterId);
    const seen = new Set<string>();
    const out: SimilarCandidate[] = [];
    for (const r of rows) {
      if (seen.has(r.character.id)) continue;
      seen.add(r.character.id);
      out.push({
        character: r.character,
        artwork: { id: r.artworkId, url: urlFor(r.filePath), thumb_url: urlFor(r.thumbPath) },
        similarity: Math.round((1 - r.distance) * 10_000) / 10_000,
        label: 'similar',
      });
      if (out.length >= k) break;
    }
    return out;
  }

  async function similarTo(target: string | Buffer, k = 8): Promise<SimilarCandidate[]> {
    const kk = Math.max(1, Math.min(MAX_K, Math.floor(k)));
    if (typeof target === 'string') {
      if (!/^[1-9][0-9]{0,17}$/.test(target)) throw new NotFoundError(`character ${target} not found`);
      if (!(await ready())) return [];
      const q = await getCharacterQueryArtwork(db, target, embedder!.model);
      if (!q) throw new NotFoundError(`character ${target} not found`);
      let embedding = q.embedding;
      if (!embedding && store) {
        // not back-filled yet: embed it now from the stored file (and keep it)
        try {
          const bytes = await store.get(q.filePath);
          if (!bytes) throw new Error('the original is missing from the image store');
          embedding = await embedder!.embed(bytes);
          await upsertEmbedding(db, q.artworkId, embedder!.model, embedding);
        } catch (err) {
          logger.warn({ artworkId: q.artworkId, err: (err as Error).message }, 'could not embed an artwork on demand');
        }
      }
      if (!embedding) return [];
      return search(embedding, kk, target);
    }
    if (!(await ready())) return [];
    return search(await embedder!.embed(target), kk, null);
  }

  return {
    get enabled() {
      return failure === null;
    },
    status,
    async start() {
      await ready();
      return status();
    },
    embedArtwork,
    similarTo,
    queueEmbedding(artworkId, bytes) {
      if (!embedder || failure) return;
      if (pendingBytes > 0 && pendingBytes + bytes.length > maxQueuedBytes) {
        if (dropped++ === 0)
          logger.warn({ artworkId }, 'CLIP embedding queue full; skipped artworks wait for `npm run scraper -- embed`');
        return;
      }
      if (pendingBytes === 0 && dropped > 0) {
        logger.info(
          { dropped },
          'CLIP embedding queue drained; run `npm run scraper -- embed` for the skipped artworks',
        );
        dropped = 0;
      }
      pendingBytes += bytes.length;
      tail = tail
        .then(() => embedArtwork(artworkId, bytes))
        .then(
          () => undefined,
          (err: Error & { code?: string }) => {
            // 23503: the artwork was deleted meanwhile
            if (err.code !== '23503') logger.warn({ artworkId, err: err.message }, 'could not embed an artwork');
          },
        )
        .finally(() => void (pendingBytes -= bytes.length));
    },
    async drain() {
      await tail;
    },
    async close() {
      await tail;
      await embedder?.close();
    },
  };
}

/**
 * Wraps an ingest service so every newly stored artwork gets its CLIP embedding in the background.
 * With the feature off this returns `ingest` itself.
 */
export function withSimilarEmbeddings(ingest: IngestService, similar: SimilarArtworksService): IngestService {
  if (!similar.status().model) return ingest;
  return {
    ...ingest,
    async ingestImage(input) {
      const out = await ingest.ingestImage(input);
      if (out.status === 'created' || out.status === 'new_artwork') similar.queueEmbedding(out.artworkId, input.bytes);
      return out;
    },
    async replaceArtwork(characterId, bytes) {
      const out = await ingest.replaceArtwork(characterId, bytes);
      if (out.status === 'new_artwork') similar.queueEmbedding(out.artworkId, bytes);
      return out;
    },
  };
}
