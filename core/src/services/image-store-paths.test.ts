/**
 * Every path that touches image files, on an S3 bucket (s3rver): ingest, the thumbnail backfill of older
 * artworks, reindex reading originals, the orphan sweep, and copying a store local ⇄ S3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import sharp from 'sharp';
import type { Db } from '../db/database.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { startS3TestServer, type S3TestServer } from '../testing/s3-test-server.js';
import { createS3ImageStore } from '../storage/s3-image-store.js';
import { createLocalImageStore } from '../storage/local-image-store.js';
import { createIngestService } from './ingest.service.js';
import { sweepOrphanFiles } from './image-orphans.service.js';
import { backfillThumbnails } from './thumbnail-backfill.service.js';
import { reindexArtworkFeatures } from './image-reindex.service.js';
import { copyImageStore } from './store-copy.service.js';
import { pathsFor, thumbKey, type ImageStore } from './image-store.js';
import { generateDemoImage } from '../images/demo-images.js';

let db: Db;
let s3: S3TestServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-paths-'));
beforeAll(async () => {
  [db, s3] = await Promise.all([createTestDb(), startS3TestServer()]);
});
afterAll(async () => {
  await db?.close();
  await s3?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
async function keys(store: ImageStore): Promise<string[]> {
  const out: string[] = [];
  for (const top of ['originals/', 'thumbs/']) for await (const o of store.list(top)) out.push(o.key);
  return out.sort();
}
async function referencedKeys(): Promise<string[]> {
  const r = await db.query<{ file_path: string; sha256: string; thumb_widths: number[] }>(
    'SELECT file_path, sha256, thumb_widths FROM artworks',
  );
  return r.rows.flatMap((a) => [a.file_path, ...a.thumb_widths.map((w) => thumbKey(a.sha256, w))]).sort();
}
const fresh = (name: string) => createS3ImageStore(s3.config(`${name}-${crypto.randomBytes(3).toString('hex')}`));

describe('image files on S3', () => {
  let store: ImageStore;
  beforeAll(async () => {
    store = fresh('gallery');
    const ingest = createIngestService({ db, images: store, logger: testLogger });
    for (let i = 0; i < 3; i++)
      await ingest.ingestImage({
        bytes: await generateDemoImage(i, `S3 ${i}`),
        caption: `Name: S3 Character ${i}\nAnime: Buckets\nID: ${500 + i}`,
      });
    // a square picture: its thumbnails stay square
    const square = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#8a4' } })
      .png()
      .toBuffer();
    await ingest.ingestImage({ bytes: square, caption: 'Name: Square One' });
  });

  it('ingest stores the original and 240/480/720 px WebP thumbnails in the bucket, nothing else', async () => {
    expect(await keys(store)).toEqual(await referencedKeys());
    const sq = await db.query<{ sha256: string; thumb_widths: number[]; thumb_path: string }>(
      "SELECT a.sha256, a.thumb_widths, a.thumb_path FROM artworks a JOIN characters c ON c.id = a.character_id WHERE c.name = 'Square One'",
    );
    const row = sq.rows[0]!;
    expect(row.thumb_widths).toEqual([240, 480, 720]);
    expect(row.thumb_path).toBe(thumbKey(row.sha256, 480));
    for (const w of row.thumb_widths) {
      const m = await sharp((await store.get(thumbKey(row.sha256, w)))!).metadata();
      expect([m.format, m.width, m.height]).toEqual(['webp', w, w]);
    }
  });

  it('the orphan sweep removes stored files without a row (once old enough) and keeps every referenced one', async () => {
    const orphan = await generateDemoImage(90, 'orphan');
    const orphanKeys = [pathsFor(sha(orphan), 'jpg').filePath, thumbKey(sha(orphan), 240)];
    for (const k of orphanKeys) await store.put(k, orphan, 'image/jpeg');
    // a srcset width the row does not list is an orphan too
    const any = (await db.query<{ sha256: string }>('SELECT sha256 FROM artworks LIMIT 1')).rows[0]!.sha256;
    await store.put(thumbKey(any, 333), Buffer.from('stray'), 'image/webp');
    expect(await sweepOrphanFiles(db, store)).toEqual({ tempFiles: 0, orphans: 0 }); // too young: maybe an ingest in flight
    expect(await sweepOrphanFiles(db, store, 0)).toEqual({ tempFiles: 0, orphans: 3 });
    expect(await keys(store)).toEqual(await referencedKeys());
  });

  it('reindex reads the originals from the bucket', async () => {
    const p = await reindexArtworkFeatures({ db, images: store, logger: testLogger, version: -1 });
    expect(p).toMatchObject({ total: 4, done: 4, failed: 0 });
  });

  it('the backfill gives older artworks their srcset thumbnails and removes the single old one', async () => {
    // what an earlier version stored: one 320 px thumbnail under the bare hash, no widths
    const a = (
      await db.query<{ id: string; sha256: string }>(
        "SELECT a.id::text, a.sha256 FROM artworks a JOIN characters c ON c.id = a.character_id WHERE c.name = 'S3 Character 0'",
      )
    ).rows[0]!;
    const oldThumb = pathsFor(a.sha256, 'jpg').thumbPath;
    for (const w of [240, 480, 600]) await store.remove([thumbKey(a.sha256, w)]);
    await store.put(oldThumb, Buffer.from('old 320 px thumbnail'), 'image/webp');
    await db.query("UPDATE artworks SET thumb_widths = '{}', thumb_path = $2 WHERE id = $1", [a.id, oldThumb]);

    const p = await backfillThumbnails({ db, images: store, logger: testLogger });
    expect(p).toEqual({ total: 1, done: 1, failed: 0 });
    const row = (
      await db.query<{ thumb_widths: number[]; thumb_path: string }>(
        'SELECT thumb_widths, thumb_path FROM artworks WHERE id = $1',
        [a.id],
      )
    ).rows[0]!;
    expect(row).toEqual({ thumb_widths: [240, 480, 600], thumb_path: thumbKey(a.sha256, 480) });
    expect(await store.exists(oldThumb)).toBe(false);
    expect(await keys(store)).toEqual(await referencedKeys());
    expect(await backfillThumbnails({ db, images: store, logger: testLogger })).toEqual({
      total: 0,
      done: 0,
      failed: 0,
    });
  });

  it('copies the store to a local folder and back, verified by SHA-256, and resumes without copying twice', async () => {
    const local = createLocalImageStore(path.join(tmp, 'copy'));
    const all = await keys(store);
    const down = await copyImageStore({ db, from: store, to: local });
    expect(down).toMatchObject({ copied: all.length, alreadyThere: 0, failed: [], missing: [] });
    expect(await keys(local)).toEqual(all);
    for (const k of all) expect(sha((await local.get(k))!)).toBe(sha((await store.get(k))!));

    // an interrupted earlier run: half the objects there, one of them damaged, plus a temp file of a killed writer
    const back = fresh('back');
    for (const k of all.slice(0, Math.floor(all.length / 2))) await back.put(k, (await local.get(k))!, 'image/webp');
    await back.remove([all[0]!]);
    await back.put(all[0]!, Buffer.from('damaged'), 'image/webp');
    fs.writeFileSync(path.join(tmp, 'copy', `${all[1]}.tmp-999999-abcd`), 'partial');
    const up = await copyImageStore({ db, from: local, to: back });
    expect(up).toMatchObject({
      alreadyThere: Math.floor(all.length / 2) - 1,
      copied: all.length - Math.floor(all.length / 2) + 1,
      failed: [],
      missing: [],
    });
    expect(await keys(back)).toEqual(all);
    for (const k of all) expect(sha((await back.get(k))!)).toBe(sha((await store.get(k))!));
    expect(await copyImageStore({ db, from: local, to: back })).toMatchObject({ copied: 0, alreadyThere: all.length });
  });

  it('reports keys the database refers to that the source lacks, and a source file that does not match its name', async () => {
    const src = createLocalImageStore(path.join(tmp, 'damaged-src'));
    await copyImageStore({ db, from: store, to: src });
    const [first, second] = (await referencedKeys()).filter((k) => k.startsWith('originals/'));
    await src.remove([first!]);
    fs.writeFileSync(path.join(tmp, 'damaged-src', second!), 'bit rot');
    const r = await copyImageStore({ db, from: src, to: fresh('partial') });
    expect(r.missing).toEqual(expect.arrayContaining([first, second]));
    expect(r.failed).toEqual([expect.stringContaining(`${second}: the source file does not match`)]);
  });
});
