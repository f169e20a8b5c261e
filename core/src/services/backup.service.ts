/**
 * `npm run backup`: one consistent archive of a gallery. Every table is read inside one REPEATABLE READ
 * snapshot (COPY … TO STDOUT; no pg_dump needed, the embedded PostgreSQL ships none), the stored files
 * are the keys that snapshot's artworks reference (original, thumbnail, every srcset width), read through
 * the image store (a local folder or S3), and the manifest records versions, counts and the sha256 of
 * every entry. Files are content-addressed and never rewritten, so reading them after the snapshot's
 * transaction ends is still consistent (a file deleted meanwhile is listed as missing).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { Db } from '../db/database.js';
import type { Logger } from '../logger.js';
import { VERSION } from '../version.js';
import {
  beginSnapshot,
  copyTableOut,
  describeEngine,
  galleryCounts,
  listAppliedMigrations,
  listBackupTables,
  listStoredFiles,
} from '../repos/backup.repo.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  MANIFEST_ENTRY,
  fileEntry,
  tableEntry,
  type BackupManifest,
} from './backup-manifest.js';
import { isProcessAlive } from '../process-alive.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';
import { UserError } from '../errors.js';

export interface BackupOptions {
  db: Db;
  /** Where the files are read from; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  logger: Logger;
  /** Where the archive goes (a file stream, stdout). */
  out: Writable;
  gzip: boolean;
}

interface StagedTable {
  name: string;
  columns: string[];
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** Writes the archive to opts.out; returns its manifest. */
export async function createBackup(opts: BackupOptions): Promise<BackupManifest> {
  const store = imageStoreOf(opts);
  await removeDeadScratch();
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), `waifudex-backup-${process.pid}-`));
  try {
    const snap = await dumpSnapshot(opts.db, scratch);
    const pack = tar.pack();
    const source = Readable.from(pack);
    const written = opts.gzip ? pipeline(source, zlib.createGzip({ level: 6 }), opts.out) : pipeline(source, opts.out);
    written.catch((err: Error) => pack.destroy(err));
    const files: BackupManifest['files'] = [];
    const missingFiles: string[] = [];
    for (const t of snap.tables) await addEntry(pack, tableEntry(t.name), fs.createReadStream(t.file), t.bytes);
    for (const rel of snap.files) {
      const entry = await addStoredFile(pack, store, rel);
      if (entry) files.push(entry);
      else missingFiles.push(rel);
    }
    if (missingFiles.length)
      opts.logger.warn(
        { missing: missingFiles.length, first: missingFiles[0] },
        'backup: files referenced by the gallery are missing from the image store',
      );
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      appVersion: VERSION,
      engine: snap.engine,
      migrations: snap.migrations,
      tables: snap.tables.map(({ name, columns, rows, bytes, sha256 }) => ({ name, columns, rows, bytes, sha256 })),
      files,
      missingFiles,
      counts: snap.counts,
    };
    const body = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
    await addEntry(pack, MANIFEST_ENTRY, Readable.from([body]), body.length);
    pack.finalize();
    await written;
    return manifest;
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}

/** Scratch folders of backups that were killed (their process is gone). */
async function removeDeadScratch(): Promise<void> {
  for (const name of await fsp.readdir(os.tmpdir()).catch(() => [] as string[])) {
    const m = /^waifudex-backup-(\d+)-\w+$/.exec(name);
    if (m && !isProcessAlive(Number(m[1])))
      await fsp.rm(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

/** Reads every table and the file list inside one snapshot, into scratch files. */
async function dumpSnapshot(db: Db, scratch: string) {
  const client = await db.pool.connect();
  try {
    await beginSnapshot(client);
    const migrations = await listAppliedMigrations(client);
    if (!migrations.length)
      throw new UserError('the database has no Waifudex schema (no migrations applied): nothing to back up');
    const engine = await describeEngine(client);
    const counts = await galleryCounts(client);
    const tables: StagedTable[] = [];
    for (const t of await listBackupTables(client)) {
      const file = path.join(scratch, `${t.name}.tsv`);
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      let rows = 0;
      const count = async function* (src: AsyncIterable<Buffer>) {
        for await (const chunk of src) {
          hash.update(chunk);
          bytes += chunk.length;
          // COPY's text format ends every row with a newline and escapes newlines inside values
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
          yield chunk;
        }
      };
      await pipeline(copyTableOut(client, t), count, fs.createWriteStream(file));
      tables.push({
        name: t.name,
        columns: t.columns.map((c) => c.name),
        file,
        rows,
        bytes,
        sha256: hash.digest('hex'),
      });
    }
    const files = await listStoredFiles(client);
    await client.query('COMMIT');
    return { migrations, engine, counts, tables, files };
  } catch (err) {
    // catch: `err` is what failed; a connection that broke has rolled back already
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Adds one stored file (hashing it on the way); null when the store does not have it. */
async function addStoredFile(
  pack: tar.Pack,
  store: ImageStore,
  key: string,
): Promise<BackupManifest['files'][number] | null> {
  const obj = await store.open(key);
  if (!obj) return null;
  const hash = crypto.createHash('sha256');
  const hashing = async function* () {
    for await (const chunk of obj.body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  };
  try {
    await addEntry(pack, fileEntry(key), hashing(), obj.size);
  } finally {
    obj.body.destroy();
  }
  return { path: key, bytes: obj.size, sha256: hash.digest('hex') };
}

/** Writes one tar entry of a known size from a byte source, honouring back-pressure. */
async function addEntry(pack: tar.Pack, name: string, src: AsyncIterable<Buffer>, size: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date() }, (err) => (err ? reject(err) : resolve()));
    void (async () => {
      let n = 0;
      for await (const chunk of src) {
        n += chunk.length;
        if (n > size) throw new Error(`${name} grew while it was read`);
        if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
      }
      if (n !== size) throw new Error(`${name} changed size while it was read`);
      (entry as unknown as { end(): void }).end();
    })().catch((err: Error) => {
      entry.destroy(err);
      reject(err);
    });
  });
}
