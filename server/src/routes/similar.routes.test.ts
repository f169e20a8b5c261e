import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { testLogger } from '@waifudex/core/testing/test-db';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createSimilarArtworksService } from '@waifudex/core/services/similar-artworks.service';
import { startSimilarServer, type SimilarServer } from '../testing/similar-server.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { similarRoutes } from './similar.routes.js';

type Body = {
  enabled: boolean;
  items: Array<{
    character: { id: string; name: string };
    artwork: { id: string; url: string; thumb_url: string };
    similarity: number;
    label: string;
  }>;
};

const upload = (url: string, bytes: Buffer, field = 'image') => {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), 'x.jpg');
  return fetch(url, { method: 'POST', body: form });
};

describe('similar routes with a CLIP model (tiny)', () => {
  let ts: SimilarServer;
  let ids: { characterId: string; artworkId: string }[] = [];
  let images: Buffer[] = [];

  beforeAll(async () => {
    ts = await startSimilarServer({
      maxUploadBytes: 1024 * 1024,
      pictures: Array.from({ length: 5 }, (_, i) => ({ seed: i + 10, name: `Hero ${i}`, caption: `Name: Hero ${i}` })),
    });
    ids = ts.artworks;
    images = ts.artworks.map((a) => a.bytes);
  });
  afterAll(async () => ts?.close());

  test('GET /characters/:id/similar lists other characters, labelled similar', async () => {
    const res = await fetch(`${ts.url}/api/v1/characters/${ids[0]!.characterId}/similar?k=3`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.enabled).toBe(true);
    expect(body.items.length).toBe(3);
    for (const it of body.items) {
      expect(it.label).toBe('similar');
      expect(it.character.id).not.toBe(ids[0]!.characterId);
      expect(it.similarity).toBeGreaterThanOrEqual(-1);
      expect(it.similarity).toBeLessThanOrEqual(1);
      // the stored image behind the URL is served
      expect((await fetch(`${ts.url}${it.artwork.thumb_url}`)).status).toBe(200);
    }
  });

  test('POST /search/similar finds the uploaded picture first', async () => {
    const copy = await sharp(images[2]!).resize(300).jpeg({ quality: 70 }).toBuffer();
    const res = await upload(`${ts.url}/api/v1/search/similar?k=2`, copy);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body;
    expect(body.enabled).toBe(true);
    expect(body.items[0]).toMatchObject({
      label: 'similar',
      artwork: { id: ids[2]!.artworkId },
      character: { name: 'Hero 2' },
    });
    expect(body.items.length).toBe(2);
  });

  test('bad requests are 4xx JSON', async () => {
    const cases: [Promise<Response>, number][] = [
      [fetch(`${ts.url}/api/v1/characters/999999/similar`), 404],
      [fetch(`${ts.url}/api/v1/characters/abc/similar`), 400],
      [fetch(`${ts.url}/api/v1/characters/${ids[0]!.characterId}/similar?k=0`), 400],
      [fetch(`${ts.url}/api/v1/characters/${ids[0]!.characterId}/similar?k=500`), 400],
      [upload(`${ts.url}/api/v1/search/similar`, Buffer.from('not an image')), 415],
      [upload(`${ts.url}/api/v1/search/similar`, Buffer.alloc(2 * 1024 * 1024, 1)), 413],
      [fetch(`${ts.url}/api/v1/search/similar`, { method: 'POST' }), 400],
    ];
    for (const [p, status] of cases) {
      const res = await p;
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBeTruthy();
    }
  });
});

describe('similar routes without CLIP_MODEL', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({
      routers: ({ db }) => [
        similarRoutes({ similar: createSimilarArtworksService({ db, logger: testLogger, embedder: null }) }),
      ],
    });
  });
  afterAll(async () => ts?.close());

  test('report enabled: false with no items, not an error', async () => {
    const out = await ts.ingest.ingestImage({ bytes: await generateDemoImage(1, 'Solo'), caption: 'Name: Solo' });
    const a = await fetch(`${ts.url}/api/v1/characters/${out.characterId}/similar`);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ enabled: false, items: [] });
    const b = await upload(`${ts.url}/api/v1/search/similar`, await generateDemoImage(2, 'Query'));
    expect(b.status).toBe(200);
    expect(await b.json()).toEqual({ enabled: false, items: [] });
  });
});
