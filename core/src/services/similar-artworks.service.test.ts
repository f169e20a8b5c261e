import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { createTinyClipModel, type TinyClipModel } from '../testing/tiny-clip-model.js';
import { createClipEmbedder } from '../images/clip-embedder.js';
import { generateDemoImage } from '../images/demo-images.js';
import { explainNearest, getEmbedding, countArtworksWithoutEmbedding } from '../repos/embeddings.repo.js';
import { createIngestService, type IngestService } from './ingest.service.js';
import {
  createSimilarArtworksService,
  withSimilarEmbeddings,
  type SimilarArtworksService,
} from './similar-artworks.service.js';

describe('similar artworks over CLIP embeddings (tiny model, migrated database)', () => {
  let db: Db;
  let tiny: TinyClipModel;
  let imagesDir: string;
  let similar: SimilarArtworksService;
  let ingest: IngestService;
  const images: Buffer[] = [];
  const ids: { characterId: string; artworkId: string }[] = [];
  // CI's PostgreSQL 17 has pgvector (HNSW search); the embedded server has not (in-memory search)
  let hasPgvector = false;

  beforeAll(async () => {
    db = await createTestDb();
    hasPgvector = (await db.query(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS ok`)).rows[0]
      .ok;
    tiny = createTinyClipModel({ dims: 16 });
    imagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-similar-'));
    similar = createSimilarArtworksService({
      db,
      logger: testLogger,
      embedder: createClipEmbedder({ model: tiny.dir }),
      imagesDir,
    });
    ingest = createIngestService({ db, imagesDir, logger: testLogger });
    for (let i = 0; i < 8; i++) {
      const bytes = await generateDemoImage(i, `Girl ${i}`);
      images.push(bytes);
      const out = await ingest.ingestImage({ bytes, caption: `Name: Girl ${i}\nAnime: Show ${i % 3}` });
      ids.push({ characterId: out.characterId, artworkId: out.artworkId });
    }
  });
  afterAll(async () => {
    await similar?.close();
    await db?.close();
    tiny?.remove();
    if (imagesDir) fs.rmSync(imagesDir, { recursive: true, force: true });
  });

  test('start() loads the model and reports enabled with its id', async () => {
    expect(await similar.start()).toEqual({
      enabled: true,
      model: `local:${path.basename(tiny.dir)}`,
      storage: hasPgvector ? 'pgvector' : 'memory',
    });
    expect(similar.enabled).toBe(true);
  });

  test('embedArtwork stores a unit-length vector of the model size', async () => {
    for (let i = 0; i < 6; i++) expect(await similar.embedArtwork(ids[i]!.artworkId, images[i]!)).toBe(true);
    const v = (await getEmbedding(db, ids[0]!.artworkId, similar.status().model!))!;
    expect(v.length).toBe(16);
    expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    expect(await countArtworksWithoutEmbedding(db, similar.status().model!)).toBe(2);
    // idempotent: a second time replaces the row
    await similar.embedArtwork(ids[0]!.artworkId, images[0]!);
    expect((await db.query('SELECT count(*)::int AS n FROM artwork_embeddings')).rows[0].n).toBe(6);
  });

  test('an image is its own nearest neighbour, labelled similar', async () => {
    for (let i = 0; i < 6; i++) {
      const items = await similar.similarTo(images[i]!, 3);
      expect(items.length).toBe(3);
      expect(items[0]!.artwork.id).toBe(ids[i]!.artworkId);
      expect(items[0]!.similarity).toBeGreaterThan(0.999);
      expect(items.every((x) => x.label === 'similar')).toBe(true);
      expect(items[1]!.similarity).toBeLessThanOrEqual(items[0]!.similarity);
      expect(items[0]!.artwork.url).toMatch(/^\/images\//);
      expect(items[0]!.character).toMatchObject({ id: ids[i]!.characterId, name: `Girl ${i}` });
    }
  });

  test('by character: leaves the character itself out, one artwork per character, best first', async () => {
    const items = await similar.similarTo(ids[0]!.characterId, 8);
    expect(items.map((x) => x.character.id)).not.toContain(ids[0]!.characterId);
    expect(new Set(items.map((x) => x.character.id)).size).toBe(items.length);
    expect(items.length).toBe(5);
    const sims = items.map((x) => x.similarity);
    expect([...sims].sort((a, b) => b - a)).toEqual(sims);
    await expect(similar.similarTo('999999', 3)).rejects.toMatchObject({ status: 404 });
    await expect(similar.similarTo('abc', 3)).rejects.toMatchObject({ status: 404 });
  });

  test('a character not back-filled yet is embedded on demand from its stored file', async () => {
    const id = ids[6]!;
    expect(await getEmbedding(db, id.artworkId, similar.status().model!)).toBeNull();
    const items = await similar.similarTo(id.characterId, 3);
    expect(items.length).toBe(3);
    expect(await getEmbedding(db, id.artworkId, similar.status().model!)).not.toBeNull();
  });

  test('hidden characters are not suggested', async () => {
    await db.query('UPDATE characters SET hidden = true WHERE id = $1', [ids[1]!.characterId]);
    try {
      const items = await similar.similarTo(images[1]!, 8);
      expect(items.map((x) => x.character.id)).not.toContain(ids[1]!.characterId);
    } finally {
      await db.query('UPDATE characters SET hidden = false WHERE id = $1', [ids[1]!.characterId]);
    }
  });

  test('with pgvector, a size no migration indexed is searched by a scan (and still answers)', async (ctx) => {
    ctx.skip(!hasPgvector, 'no pgvector on this PostgreSQL: the search runs in memory, there is no HNSW plan');
    const v = (await getEmbedding(db, ids[0]!.artworkId, similar.status().model!))!;
    expect(await explainNearest(db, similar.status().model!, v)).not.toMatch(/hnsw/);
    expect((await similar.similarTo(images[0]!, 1))[0]!.artwork.id).toBe(ids[0]!.artworkId);
  });

  test('withSimilarEmbeddings embeds new artworks in the background', async () => {
    const wrapped = withSimilarEmbeddings(ingest, similar);
    const bytes = await generateDemoImage(40, 'Newcomer');
    const out = await wrapped.ingestImage({ bytes, caption: 'Name: Newcomer' });
    await similar.drain();
    expect(await getEmbedding(db, out.artworkId, similar.status().model!)).not.toBeNull();
    const again = await wrapped.ingestImage({ bytes, caption: 'Name: Newcomer' });
    expect(again.status).toBe('duplicate_image');
  });

  test('the background queue is bounded by bytes; what it skips is left for the back-fill', async () => {
    const bounded = createSimilarArtworksService({
      db,
      logger: testLogger,
      embedder: createClipEmbedder({ model: tiny.dir }),
      maxQueuedBytes: 1,
    });
    await bounded.start();
    const a = await ingest.ingestImage({ bytes: await generateDemoImage(41, 'Q1'), caption: 'Name: Q1' });
    const b = await ingest.ingestImage({ bytes: await generateDemoImage(42, 'Q2'), caption: 'Name: Q2' });
    const [bytesA, bytesB] = [await generateDemoImage(41, 'Q1'), await generateDemoImage(42, 'Q2')];
    // queued back to back, synchronously: the second is dropped while the first is still pending
    bounded.queueEmbedding(a.artworkId, bytesA);
    bounded.queueEmbedding(b.artworkId, bytesB);
    await bounded.close();
    expect(await getEmbedding(db, a.artworkId, bounded.status().model!)).not.toBeNull();
    expect(await getEmbedding(db, b.artworkId, bounded.status().model!)).toBeNull();
  });

  test('without pgvector, preloadIndex loads the embeddings at start, before any search', async (ctx) => {
    ctx.skip(hasPgvector, 'pgvector searches in PostgreSQL: there is nothing to preload');
    const loads: string[] = [];
    const watched = {
      ...db,
      query: (text: string, params?: unknown[]) => (
        /array_send/.test(text) && loads.push(text),
        db.query(text, params)
      ),
    } as Db;
    const preloading = createSimilarArtworksService({
      db: watched,
      logger: testLogger,
      embedder: createClipEmbedder({ model: tiny.dir }),
      preloadIndex: true,
    });
    expect((await preloading.start()).storage).toBe('memory');
    await expect.poll(() => loads.length).toBeGreaterThan(0);
    await preloading.close();
  });

  test('deleting an artwork deletes its embedding', async () => {
    await db.query('DELETE FROM characters WHERE id = $1', [ids[5]!.characterId]);
    expect(await getEmbedding(db, ids[5]!.artworkId, similar.status().model!)).toBeNull();
  });
});

describe('similar artworks switched off', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => db?.close());

  test('without CLIP_MODEL: disabled, empty answers, no errors, ingest untouched', async () => {
    const similar = createSimilarArtworksService({ db, logger: testLogger });
    expect(similar.enabled).toBe(false);
    expect(await similar.start()).toEqual({ enabled: false, model: null, reason: 'CLIP_MODEL is not set' });
    expect(await similar.similarTo(await generateDemoImage(1, 'x'), 5)).toEqual([]);
    expect(await similar.similarTo('1', 5)).toEqual([]);
    expect(await similar.embedArtwork('1', Buffer.from('x'))).toBe(false);
    const ingest = createIngestService({ db, imagesDir: os.tmpdir(), logger: testLogger });
    expect(withSimilarEmbeddings(ingest, similar)).toBe(ingest);
  });

  test('a model that cannot load turns the feature off with the reason', async () => {
    const tiny = createTinyClipModel();
    fs.rmSync(path.join(tiny.dir, 'onnx'), { recursive: true });
    try {
      const similar = createSimilarArtworksService({
        db,
        logger: testLogger,
        embedder: createClipEmbedder({ model: tiny.dir }),
      });
      const s = await similar.start();
      expect(s.enabled).toBe(false);
      expect(s.reason).toMatch(/could not be loaded/);
      expect(await similar.similarTo('1', 5)).toEqual([]);
    } finally {
      tiny.remove();
    }
  });
});
