import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { generateDemoImage } from '../images/demo-images.js';
import { createIngestService } from './ingest.service.js';
import { sweepOrphanFiles } from './image-orphans.service.js';
import { thumbKey } from './image-store.js';

let db: Db;
let imagesDir: string;
beforeAll(async () => {
  db = await createTestDb();
  imagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-orphans-'));
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(imagesDir, { recursive: true, force: true });
});

const files = () =>
  fs
    .readdirSync(imagesDir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(imagesDir, path.join(d.parentPath, d.name)))
    .sort();
/** Makes every file look as old as a file left by an ingest that failed long before the sweep. */
const age = (minutes: number) => {
  const t = new Date(Date.now() - minutes * 60_000);
  for (const f of files()) fs.utimesSync(path.join(imagesDir, f), t, t);
};

describe('orphan file sweep', () => {
  it('removes the files of ingests whose transaction rolled back, keeps stored ones and those of an ingest in flight', async () => {
    const ingest = createIngestService({ db, imagesDir, logger: testLogger });
    const kept = await ingest.ingestImage({ bytes: await generateDemoImage(1, 'Kept'), caption: 'Name: Kept' });
    // the same database, but each transaction rolls back after doing its work (a failed COMMIT, a constraint, a crash)
    const failing: Db = {
      ...db,
      transaction: (fn) =>
        db.transaction(async (tx) => {
          await fn(tx);
          throw new Error('commit failed');
        }),
    };
    const broken = createIngestService({ db: failing, imagesDir, logger: testLogger });
    for (let i = 0; i < 3; i++) {
      await expect(
        broken.ingestImage({ bytes: await generateDemoImage(10 + i, `Lost ${i}`), caption: `Name: Lost ${i}` }),
      ).rejects.toThrow('commit failed');
    }
    expect((await db.query('SELECT count(*)::int AS n FROM artworks')).rows[0].n).toBe(1);
    expect(files()).toHaveLength(16); // 4 originals + 4 × 3 srcset thumbnails were written before the transactions
    const stored = (
      await db.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
        'SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks WHERE id = $1',
        [kept.artworkId],
      )
    ).rows
      .flatMap((r) => [...new Set([r.file_path, r.thumb_path, ...r.thumb_widths.map((w) => thumbKey(r.sha256, w))])])
      .sort();
    expect(stored).toHaveLength(4);

    // a fresh file may belong to an ingest whose transaction has not committed yet: untouched
    expect(await sweepOrphanFiles(db, imagesDir)).toEqual({ tempFiles: 0, orphans: 0 });
    expect(files()).toHaveLength(16);

    age(20);
    // and a temp file of a process that died mid-write
    const deadTemp = path.join(imagesDir, stored[0]! + '.tmp-999999-abcd1234');
    fs.writeFileSync(deadTemp, 'half a picture');
    const old = new Date(Date.now() - 20 * 60_000);
    fs.utimesSync(deadTemp, old, old);
    expect(await sweepOrphanFiles(db, imagesDir)).toEqual({ tempFiles: 1, orphans: 12 });
    expect(files()).toEqual(stored);
    // nothing left to do the next time
    expect(await sweepOrphanFiles(db, imagesDir)).toEqual({ tempFiles: 0, orphans: 0 });
  });
});
