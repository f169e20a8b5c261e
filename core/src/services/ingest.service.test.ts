/**
 * The ingest service's rows under concurrency: the same bytes or the same new character arriving from
 * several ingests at once end as one artwork or one character, and each character keeps one current
 * artwork.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { generateDemoImage } from '../images/demo-images.js';
import { createIngestService, type IngestService } from './ingest.service.js';

let db: Db;
let ingest: IngestService;
const imagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-ingest-'));
beforeAll(async () => {
  db = await createTestDb();
  ingest = createIngestService({ db, imagesDir, logger: testLogger });
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(imagesDir, { recursive: true, force: true });
});

const caption = (name: string) => `Name: ${name}\nAnime: Concurrent Series\nRarity: Common`;
const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

describe('ingest at once', () => {
  it('the same bytes from three ingests: one artwork and one character, the others answered as duplicates of it', async () => {
    const bytes = await generateDemoImage(101, 'Same bytes');
    const outcomes = await Promise.all(
      ['Twin A', 'Twin B', 'Twin C'].map((n) => ingest.ingestImage({ bytes, caption: caption(n) })),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(['created', 'duplicate_image', 'duplicate_image']);
    expect(new Set(outcomes.map((o) => o.artworkId)).size).toBe(1);
    expect(new Set(outcomes.map((o) => o.characterId)).size).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM artworks WHERE id = $1', [outcomes[0]!.artworkId])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM characters WHERE name LIKE 'Twin %'")).toBe(1);
  });

  it('two pictures of one new character at once: one character, both artworks, one of them current', async () => {
    const [a, b] = await Promise.all([generateDemoImage(102, 'First'), generateDemoImage(103, 'Second')]);
    const outcomes = await Promise.all(
      [a, b].map((bytes) => ingest.ingestImage({ bytes, caption: caption('Pair Character') })),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(['created', 'new_artwork']);
    const characterId = outcomes[0]!.characterId;
    expect(outcomes[1]!.characterId).toBe(characterId);
    expect(await count('SELECT count(*)::int AS n FROM artworks WHERE character_id = $1', [characterId])).toBe(2);
    expect(
      await count('SELECT count(*)::int AS n FROM artworks WHERE character_id = $1 AND is_current', [characterId]),
    ).toBe(1);
  });

  it('a later picture of a character becomes its current artwork, the earlier one its history', async () => {
    const first = await ingest.ingestImage({
      bytes: await generateDemoImage(104, 'Old'),
      caption: caption('Growing Character'),
    });
    const second = await ingest.ingestImage({
      bytes: await generateDemoImage(105, 'New'),
      caption: caption('Growing Character'),
    });
    expect([first.status, second.status]).toEqual(['created', 'new_artwork']);
    const rows = await db.query<{ id: string; is_current: boolean }>(
      'SELECT id::text, is_current FROM artworks WHERE character_id = $1',
      [first.characterId],
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.id, r.is_current]))).toEqual({
      [first.artworkId]: false,
      [second.artworkId]: true,
    });
  });
});
