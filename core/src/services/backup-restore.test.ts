/**
 * Backup → wipe → restore gives back the same gallery: row counts of every table, stored files by
 * sha256 (originals and every srcset thumbnail), a text search and a reverse image search, in a local
 * folder and in an S3 bucket. Also: an older archive into a newer schema, a non-empty install refused,
 * and damaged archives refused with nothing changed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import tar from 'tar-stream';
import type { Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createTestDb, testLogger } from '../testing/test-db.js';
import { normalizeForSearch } from '../captions/parse-caption.js';
import { searchCharacters } from '../repos/character-search.repo.js';
import { ensureLocalChannel } from '../repos/channels.repo.js';
import { listAppliedMigrations, listBackupTables } from '../repos/backup.repo.js';
import { createIngestService } from './ingest.service.js';
import { createImageSearchService } from './image-search.service.js';
import { createBackup } from './backup.service.js';
import { restoreBackup } from './restore.service.js';
import type { BackupManifest } from './backup-manifest.js';
import { thumbKey, type ImageStore } from './image-store.js';
import { startS3TestServer, type S3TestServer } from '../testing/s3-test-server.js';
import { createS3ImageStore } from '../storage/s3-image-store.js';
import { UserError } from '../errors.js';

const GALLERY = path.resolve(import.meta.dirname, '../../../../shared/images/gallery');
const ready = fs.existsSync(GALLERY);
if (!ready) console.warn('[backup-restore.test] SKIPPED: needs ../shared/images/gallery');

/** Every 97th gallery picture with its caption: a few series and caption formats. */
function pictures(n: number): Array<{ file: string; caption: string }> {
  const jpgs = fs
    .readdirSync(GALLERY)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  return Array.from({ length: n }, (_, i) => jpgs[(i * 97) % jpgs.length]!).map((f) => ({
    file: path.join(GALLERY, f),
    caption: fs.readFileSync(path.join(GALLERY, f.replace(/\.jpg$/, '.txt')), 'utf8'),
  }));
}

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Files under IMAGES_DIR by sha256 of their bytes (paths relative, sorted). */
function filesBySha(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push([path.relative(dir, p), crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')]);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Every store key the artworks reference (original, thumb_path, each srcset width), sorted. */
async function storedKeys(db: Db): Promise<string[]> {
  const r = await db.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
    'SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks',
  );
  return [
    ...new Set(r.rows.flatMap((a) => [a.file_path, a.thumb_path, ...a.thumb_widths.map((w) => thumbKey(a.sha256, w))])),
  ].sort();
}

/** Objects in a store by sha256 of their bytes (keys sorted). */
async function objectsBySha(store: ImageStore): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const top of ['originals/', 'thumbs/']) {
    for await (const o of store.list(top))
      out.push([
        o.key,
        crypto
          .createHash('sha256')
          .update((await store.get(o.key))!)
          .digest('hex'),
      ]);
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await listBackupTables(db))
    out[t.name] = Number((await db.query(`SELECT count(*)::int AS n FROM "${t.name}"`)).rows[0].n);
  return out;
}

/** What a visitor sees: counts, files, a text search and a reverse image search of an edited copy. */
async function gallery(db: Db, imagesDir: string, query: Buffer, text: string) {
  const search = createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0, backgroundReindex: false });
  await search.start();
  try {
    const found = await search.search(query);
    const texts = await searchCharacters(
      db,
      { text: normalizeForSearch(text) },
      { page: 1, perPage: 5, sort: 'relevance' },
    );
    const embedding = await db.query(
      `SELECT artwork_id::text, dims, embedding::text AS e FROM artwork_embeddings ORDER BY 1`,
    );
    return {
      counts: await rowCounts(db),
      files: filesBySha(imagesDir),
      text: texts.items.map((c) => [c.id, c.name, c.anime]),
      image: {
        verdict: found.verdict,
        top: found.matches.slice(0, 3).map((m) => [m.artwork.id, m.character.name, m.artwork.url]),
      },
      embeddings: embedding.rows,
      settings: (await db.query('SELECT key, value FROM app_settings ORDER BY key')).rows,
      // not in the archive: rebuilt by the triggers while the characters are copied in
      galleryCounts: (await db.query('SELECT level, bucket::text, n FROM gallery_time_counts ORDER BY 1, 2')).rows,
    };
  } finally {
    search.stop();
  }
}

async function backupTo(db: Db, imagesDir: string, file: string, gzip = true): Promise<BackupManifest> {
  return createBackup({ db, imagesDir, logger: testLogger, out: fs.createWriteStream(file), gzip });
}

const restoreFrom = (db: Db, imagesDir: string, file: string, force = false) =>
  restoreBackup({ db, imagesDir, logger: testLogger, input: fs.createReadStream(file), force });

/** Adds a 4-dimensional embedding in whichever column type this schema has (pgvector or real[]). */
async function addEmbedding(db: Db, artworkId: string, values: number[]): Promise<void> {
  const t = await db.query(
    `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'artwork_embeddings'::regclass AND attname = 'embedding'`,
  );
  const cast = t.rows[0].t === 'vector' ? '::vector' : '';
  await db.query(
    `INSERT INTO artwork_embeddings (artwork_id, model, dims, embedding) VALUES ($1, 'test-model', 4, ($2::real[])${cast})`,
    [artworkId, values],
  );
}

describe.skipIf(!ready)('backup and restore', () => {
  let db: Db;
  let imagesDir: string;
  const work = tmp('wdx-backup-');
  let query: Buffer;
  let before: Awaited<ReturnType<typeof gallery>>;
  const archive = path.join(work, 'gallery.tar.gz');
  const text = 'Genshin';

  beforeAll(async () => {
    db = await createTestDb();
    imagesDir = tmp('wdx-backup-images-');
    const ingest = createIngestService({ db, imagesDir, logger: testLogger });
    const channel = await ensureLocalChannel(db, 'Backups test channel');
    const pics = pictures(10);
    const ids: string[] = [];
    for (const [i, p] of pics.entries()) {
      const out = await ingest.ingestImage({
        bytes: fs.readFileSync(p.file),
        caption: p.caption,
        channel: i % 2 ? channel : null,
        messageId: i % 2 ? i : null,
      });
      ids.push(out.artworkId);
    }
    await addEmbedding(db, ids[0]!, [0.5, -0.25, 1, 0]);
    await db.query(`INSERT INTO app_settings (key, value) VALUES ('search.test', '{"a": 1}')`);
    // an edited copy (smaller, recompressed) of a stored picture, as a visitor would search with
    const meta = await sharp(pics[3]!.file).metadata();
    query = await sharp(pics[3]!.file)
      .resize(Math.round(meta.width! * 0.4))
      .jpeg({ quality: 35 })
      .toBuffer();
    before = await gallery(db, imagesDir, query, text);
    expect(before.counts.artworks).toBe(10);
    expect(before.image.top[0]?.[0]).toBe(ids[3]);
    expect(before.text.length).toBeGreaterThan(0);
    expect(before.embeddings).toHaveLength(1);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    fs.rmSync(work, { recursive: true, force: true });
    if (imagesDir) fs.rmSync(imagesDir, { recursive: true, force: true });
  });

  test('backup → wipe → restore gives back the same gallery', async () => {
    const manifest = await backupTo(db, imagesDir, archive);
    expect(manifest.counts).toMatchObject({ artworks: 10, channels: 1 });
    // every key of every artwork: the original and each srcset width (thumb_path is one of them)
    const keys = await storedKeys(db);
    const widths = (await db.query<{ n: number }>('SELECT sum(cardinality(thumb_widths))::int AS n FROM artworks'))
      .rows[0]!.n;
    expect(widths).toBeGreaterThan(10); // at least one thumbnail each, several for most (small art gets fewer)
    expect(keys).toHaveLength(10 + widths);
    expect(manifest.files.map((f) => f.path).sort()).toEqual(keys);
    expect(filesBySha(imagesDir).map(([p]) => p)).toEqual(keys);
    expect(manifest.migrations).toEqual(await listAppliedMigrations(db));
    expect(manifest.tables.map((t) => t.name)).not.toContain('sessions');

    // wipe: no schema at all, no images folder
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    fs.rmSync(imagesDir, { recursive: true, force: true });
    await restoreFrom(db, imagesDir, archive);
    expect(await gallery(db, imagesDir, query, text)).toEqual(before);

    // the sequences moved past the restored ids: new rows get fresh ids
    const ingest = createIngestService({ db, imagesDir, logger: testLogger });
    const extra = pictures(11)[10]!;
    const added = await ingest.ingestImage({ bytes: fs.readFileSync(extra.file), caption: extra.caption });
    expect(added.status).toBe('created');
    await db.query('DELETE FROM characters WHERE id = $1', [added.characterId]);
  }, 120_000);

  test('into another, already migrated empty install; a second restore is refused unless forced', async () => {
    const other = await createTestDb();
    const otherImages = tmp('wdx-restore-images-');
    try {
      await restoreFrom(other, otherImages, archive);
      const restored = await gallery(other, otherImages, query, text);
      expect(restored).toEqual(before);

      await expect(restoreFrom(other, otherImages, archive)).rejects.toThrow(
        /already holds a gallery \(\d+ characters, 10 artworks\).*--force/,
      );
      expect(await gallery(other, otherImages, query, text)).toEqual(before);
      await restoreFrom(other, otherImages, archive, true);
      expect(await gallery(other, otherImages, query, text)).toEqual(before);
    } finally {
      await other.close();
      fs.rmSync(otherImages, { recursive: true, force: true });
    }
  }, 120_000);

  test('an archive from an older schema comes back and is migrated up', async () => {
    const old = await createTestDb();
    const oldImages = tmp('wdx-old-images-');
    const target = await createTestDb();
    const targetImages = tmp('wdx-new-images-');
    try {
      await migrate(old, testLogger, 'down', 1);
      const ingest = createIngestService({ db: old, imagesDir: oldImages, logger: testLogger });
      for (const p of pictures(3)) await ingest.ingestImage({ bytes: fs.readFileSync(p.file), caption: p.caption });
      const file = path.join(work, 'old.tar');
      const manifest = await backupTo(old, oldImages, file, false);
      const current = await listAppliedMigrations(target);
      expect(manifest.migrations).toEqual(current.slice(0, -1));

      await restoreFrom(target, targetImages, file);
      expect(await listAppliedMigrations(target)).toEqual(current);
      expect((await rowCounts(target)).artworks).toBe(3);
      expect(filesBySha(targetImages)).toEqual(filesBySha(oldImages));
    } finally {
      await Promise.all([old.close(), target.close()]);
      fs.rmSync(oldImages, { recursive: true, force: true });
      fs.rmSync(targetImages, { recursive: true, force: true });
    }
  }, 120_000);

  test('a backup taken while artworks are being added is consistent: every row has its file', async () => {
    const busy = await createTestDb();
    const busyImages = tmp('wdx-busy-images-');
    const target = await createTestDb();
    const targetImages = tmp('wdx-busy-restore-');
    try {
      const ingest = createIngestService({ db: busy, imagesDir: busyImages, logger: testLogger });
      const pics = pictures(16);
      for (const p of pics.slice(0, 4))
        await ingest.ingestImage({ bytes: fs.readFileSync(p.file), caption: p.caption });
      let adding = true;
      const writer = (async () => {
        for (const p of pics.slice(4)) {
          await ingest.ingestImage({ bytes: fs.readFileSync(p.file), caption: p.caption });
          if (!adding) break;
        }
      })();
      const file = path.join(work, 'busy.tar.gz');
      const manifests: BackupManifest[] = [];
      for (let i = 0; i < 3; i++) manifests.push(await backupTo(busy, busyImages, file));
      adding = false;
      await writer;
      const m = manifests.at(-1)!;
      expect(m.missingFiles).toEqual([]);
      await restoreFrom(target, targetImages, file);
      expect(m.files.map((f) => f.path).sort()).toEqual(await storedKeys(target));
      const rows = await target.query<{
        file_path: string;
        thumb_path: string;
        sha256: string;
        thumb_widths: number[];
      }>('SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks');
      expect(rows.rows).toHaveLength(m.counts.artworks);
      for (const r of rows.rows) {
        const bytes = fs.readFileSync(path.join(targetImages, r.file_path));
        expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
        expect(fs.existsSync(path.join(targetImages, r.thumb_path))).toBe(true);
        expect(r.thumb_widths.length).toBeGreaterThan(0);
        for (const w of r.thumb_widths)
          expect(fs.existsSync(path.join(targetImages, thumbKey(r.sha256, w)))).toBe(true);
      }
      expect(filesBySha(targetImages).map(([p]) => p)).toEqual(await storedKeys(target));
    } finally {
      await Promise.all([busy.close(), target.close()]);
      fs.rmSync(busyImages, { recursive: true, force: true });
      fs.rmSync(targetImages, { recursive: true, force: true });
    }
  }, 120_000);

  test('damaged or foreign archives: one clear line, nothing changed', async () => {
    const plain = path.join(work, 'plain.tar');
    await backupTo(db, imagesDir, plain, false);
    const bytes = fs.readFileSync(plain);
    const bad = (name: string, data: Buffer) => {
      const f = path.join(work, name);
      fs.writeFileSync(f, data);
      return f;
    };
    const flipped = Buffer.from(bytes);
    const at = bytes.indexOf(Buffer.from('\xff\xd8\xff', 'latin1')) + 600; // inside the first JPEG
    flipped[at] = flipped[at]! ^ 0xff;
    const evil = await tarOf([{ name: '../escape.txt', body: 'x' }]);
    const noManifest = await tarOf([{ name: 'db/characters.tsv', body: '' }]);
    // checksums that match but rows that do not fit the schema: the copy fails inside its transaction
    const entries = await untar(bytes);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as BackupManifest;
    const rowsOf = (t: string) => entries.get(`db/${t}.tsv`)!;
    const broken = Buffer.concat([rowsOf('artworks'), Buffer.from('not-a-number\tx\n')]);
    entries.set('db/artworks.tsv', broken);
    const entry = manifest.tables.find((t) => t.name === 'artworks')!;
    Object.assign(entry, { bytes: broken.length, sha256: crypto.createHash('sha256').update(broken).digest('hex') });
    entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    const unfit = await tarOf([...entries].map(([name, body]) => ({ name, body })));
    const cases: Array<[string, RegExp]> = [
      [bad('unfit.tar', unfit), /restoring table artworks failed: .*nothing was changed/],
      [
        bad('truncated.tar', bytes.subarray(0, Math.floor(bytes.length / 2))),
        /no manifest|end of data|unexpected end/i,
      ],
      [bad('flipped.tar', flipped), /does not match its sha256/],
      [bad('random.bin', crypto.randomBytes(5000)), /not a usable Waifudex backup/],
      [bad('empty.tar', Buffer.alloc(0)), /empty/],
      [bad('truncated.tar.gz', fs.readFileSync(archive).subarray(0, 3000)), /not a usable Waifudex backup/],
      [bad('evil.tar', evil), /unexpected entry "\.\.\/escape\.txt"/],
      [bad('nomanifest.tar', noManifest), /no manifest\.json/],
    ];
    const empty = await createTestDb();
    const emptyImages = tmp('wdx-bad-images-');
    try {
      const migrations = await listAppliedMigrations(empty);
      for (const [file, message] of cases) {
        const err = await restoreFrom(empty, emptyImages, file).then(
          () => null,
          (e: Error) => e,
        );
        expect(err, file).toBeInstanceOf(Error);
        expect(err!.message, file).toMatch(message);
        expect(err!.message, file).toMatch(/nothing was changed/);
        expect(err!.message.split('\n'), file).toHaveLength(1);
        expect(err, file).toBeInstanceOf(UserError);
        expect(await listAppliedMigrations(empty)).toEqual(migrations);
        expect((await rowCounts(empty)).characters).toBe(0);
        expect(fs.readdirSync(emptyImages), file).toEqual([]); // the staging folder is gone too
      }
      expect(fs.existsSync(path.join(path.dirname(GALLERY), 'escape.txt'))).toBe(false);
    } finally {
      await empty.close();
      fs.rmSync(emptyImages, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!ready)('backup and restore with the images in S3', () => {
  let s3: S3TestServer;
  let db: Db;
  let store: ImageStore;
  const work = tmp('wdx-backup-s3-');
  const fresh = (name: string) => createS3ImageStore(s3.config(`${name}-${crypto.randomBytes(3).toString('hex')}`));
  const stagingLeft = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`waifudex-restore-${process.pid}-`));

  beforeAll(async () => {
    [db, s3] = await Promise.all([createTestDb(), startS3TestServer()]);
    store = fresh('source');
    const ingest = createIngestService({ db, images: store, logger: testLogger });
    for (const p of pictures(4)) await ingest.ingestImage({ bytes: fs.readFileSync(p.file), caption: p.caption });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await s3?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('backup reads the bucket; restore writes every object back through the store, byte for byte', async () => {
    const file = path.join(work, 's3.tar.gz');
    const manifest = await createBackup({
      db,
      images: store,
      logger: testLogger,
      out: fs.createWriteStream(file),
      gzip: true,
    });
    const keys = await storedKeys(db);
    expect(keys.length).toBeGreaterThan(4 * 2); // originals and their srcset widths
    expect(manifest.files.map((f) => f.path).sort()).toEqual(keys);
    expect(manifest.missingFiles).toEqual([]);
    const source = await objectsBySha(store);
    expect(source.map(([k]) => k)).toEqual(keys);
    expect(manifest.files.map((f) => [f.path, f.sha256]).sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual(source);

    const target = await createTestDb();
    const into = fresh('target');
    try {
      await restoreBackup({ db: target, images: into, logger: testLogger, input: fs.createReadStream(file) });
      expect(await objectsBySha(into)).toEqual(source);
      expect(await storedKeys(target)).toEqual(keys);
      expect(stagingLeft()).toEqual([]);
      // what a visitor sees: the restored bucket serves a reverse image search like the source
      const pic = pictures(4)[2]!;
      const [a, b] = await Promise.all(
        [
          { d: db, s: store },
          { d: target, s: into },
        ].map(async ({ d, s }) => {
          const search = createImageSearchService({
            db: d,
            images: s,
            logger: testLogger,
            pollMs: 0,
            backgroundReindex: false,
          });
          await search.start();
          try {
            const r = await search.search(fs.readFileSync(pic.file));
            return r.matches.slice(0, 3).map((m) => [m.artwork.id, m.character.name]);
          } finally {
            search.stop();
          }
        }),
      );
      expect(b).toEqual(a);
      expect(a!.length).toBeGreaterThan(0);
    } finally {
      await target.close();
      await into.close?.();
    }
  }, 120_000);

  test('a restore whose table copy fails takes the objects it wrote out of the bucket again', async () => {
    const file = path.join(work, 's3-plain.tar');
    await createBackup({ db, images: store, logger: testLogger, out: fs.createWriteStream(file), gzip: false });
    const entries = await untar(fs.readFileSync(file));
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as BackupManifest;
    const broken = Buffer.concat([entries.get('db/artworks.tsv')!, Buffer.from('not-a-number\tx\n')]);
    entries.set('db/artworks.tsv', broken);
    Object.assign(
      manifest.tables.find((t) => t.name === 'artworks')!,
      { bytes: broken.length, sha256: crypto.createHash('sha256').update(broken).digest('hex') },
    );
    entries.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
    const unfit = path.join(work, 'unfit.tar');
    fs.writeFileSync(unfit, await tarOf([...entries].map(([name, body]) => ({ name, body }))));

    const target = await createTestDb();
    const into = fresh('failed');
    try {
      const err = await restoreBackup({
        db: target,
        images: into,
        logger: testLogger,
        input: fs.createReadStream(unfit),
      }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/restoring table artworks failed: .*nothing was changed/);
      expect(await objectsBySha(into)).toEqual([]);
      expect((await rowCounts(target)).artworks).toBe(0);
      expect(stagingLeft()).toEqual([]);
    } finally {
      await target.close();
      await into.close?.();
    }
  }, 120_000);
});

async function untar(archive: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const chunk of entry as unknown as AsyncIterable<Buffer>) parts.push(chunk);
      out.set(entry.header.name, Buffer.concat(parts));
    }
  })();
  extract.end(archive);
  await done;
  return out;
}

async function tarOf(entries: Array<{ name: string; body: string | Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name }, e.body);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of Readable.from(pack)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
