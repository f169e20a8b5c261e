/** A gallery written by an earlier version (PGlite in DATA_DIR/pglite) is copied into the embedded PostgreSQL. */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { openDatabase, wrapPool } from './database.js';
import { migrate } from './migrate.js';
import { copyLegacyGallery, hasUncopiedLegacyGallery } from './legacy-pglite.js';
import { createLogger } from '../logger.js';
import { useThrowawayClusters } from '../testing/throwaway-clusters.js';
import { analyzeImage } from '../images/analyze-image.js';
import { generateDemoImage } from '../images/demo-images.js';
import { insertArtworkFeatures } from '../repos/image-features.repo.js';

// Its clusters only ever stop cleanly: no need to wait for the disk.
useThrowawayClusters();
const logger = createLogger('silent');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-legacy-'));
fs.chmodSync(dir, 0o755);
const dataDir = path.join(dir, 'data');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What the earlier version left: its schema (the first four migrations) and an ingested gallery. */
async function writeEarlierGallery(): Promise<{ names: string[]; phashes: string[] }> {
  fs.mkdirSync(dataDir, { recursive: true });
  const lite = new PGlite(path.join(dataDir, 'pglite'), { extensions: { vector, pg_trgm } });
  await lite.waitReady;
  const db = wrapPool(new pg.Pool({ ...createPgConfig(lite), max: 1 } as pg.PoolConfig), 'postgres', 'pglite');
  await migrate(db, logger, 'up', 4);
  // rows as that version's ingest wrote them (one character per post), in that schema's columns
  const names = ['Nico Robin', 'Рем', 'Asuna Yuuki'];
  for (const [i, name] of names.entries()) {
    const image = await analyzeImage(await generateDemoImage(i, name));
    const c = await db.query<{ id: string }>(
      `INSERT INTO characters (name, anime, rarity, source_id, raw_caption, name_search, anime_search) VALUES ($1, $2, 'Rare', $3, $4, lower($1), lower($2)) RETURNING id`,
      [name, `Series ${i}`, String(10 + i), `Name: ${name}\nAnime: Series ${i}\nRarity: Rare\nID: ${10 + i}`],
    );
    const a = await db.query<{ id: string }>(
      `INSERT INTO artworks (character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime)
       VALUES ($1, $2, $3, $4, $5::bit(64), $6, $7, $8, $9) RETURNING id`,
      [
        c.rows[0]!.id,
        `o/${image.sha256}.png`,
        `t/${image.sha256}.webp`,
        image.sha256,
        image.phash,
        image.width,
        image.height,
        image.bytes,
        image.mime,
      ],
    );
    await insertArtworkFeatures(db, a.rows[0]!.id, image.features);
  }
  const ph = await db.query<{ p: string }>('SELECT phash::text AS p FROM artworks ORDER BY id');
  await db.pool.end();
  await lite.close();
  return { names, phashes: ph.rows.map((r) => r.p) };
}

describe('npm run migrate-embedded', () => {
  it(
    'copies every character, artwork and signature once, and ids keep counting from there',
    { timeout: 240_000 },
    async () => {
      const earlier = await writeEarlierGallery();
      expect(hasUncopiedLegacyGallery(dataDir)).toBe(true);
      const db = await openDatabase({ dataDir, logger });
      try {
        await migrate(db, logger);
        const report = await copyLegacyGallery(db, dataDir);
        expect(report.tables).toMatchObject({ characters: 3, artworks: 3, artwork_image_features: 3 });
        const rows = await db.query<{ name: string; p: string }>(
          'SELECT c.name, a.phash::text AS p FROM artworks a JOIN characters c ON c.id = a.character_id ORDER BY a.id',
        );
        expect(rows.rows.map((r) => r.name)).toEqual(earlier.names);
        expect(rows.rows.map((r) => r.p)).toEqual(earlier.phashes);
        const changes = await db.query<{ n: number }>(
          'SELECT count(DISTINCT artwork_id)::int AS n FROM image_index_changes',
        );
        expect(changes.rows[0]!.n).toBe(3); // running search indexes hear about the copied artworks
        const next = await db.query<{ id: string }>(
          "INSERT INTO characters (name, raw_caption) VALUES ('After', '') RETURNING id",
        );
        expect(Number(next.rows[0]!.id)).toBeGreaterThan(3);
        expect(hasUncopiedLegacyGallery(dataDir)).toBe(false);
        await expect(copyLegacyGallery(db, dataDir)).rejects.toThrow(/refusing to mix/);
      } finally {
        await db.close();
      }
    },
  );
});
