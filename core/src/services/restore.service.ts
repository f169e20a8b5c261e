/**
 * `npm run restore ARCHIVE`: brings a backup into an empty install. Order, so that a failure at any step
 * leaves the install as it was: stage and verify the whole archive → refuse a non-empty gallery unless
 * forced → migrate the schema to the archive's level → write the files through the image store (a local
 * folder: temp file + rename each; S3: one PUT each, so no reader sees half a file) → copy every table in
 * one transaction (sequences reset) → migrate up to this version. A failure after the first file removes
 * the files it had written; a crash in between leaves only unreferenced content-addressed files, which
 * the orphan sweep removes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from '../db/database.js';
import { migrate, MIGRATIONS_DIR } from '../db/migrate.js';
import type { Logger } from '../logger.js';
import {
  copyTableIn,
  deleteRows,
  galleryCounts,
  listAppliedMigrations,
  listBackupTables,
  resetSequences,
  type BackupTable,
} from '../repos/backup.repo.js';
import { BadArchiveError, fileEntry, tableEntry, type BackupManifest } from './backup-manifest.js';
import { stageArchive, type StagedArchive } from './backup-archive.js';
import { resolveInside } from '../storage/local-image-store.js';
import { isProcessAlive } from '../process-alive.js';
import { contentTypeOf, type ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';
import { UserError } from '../errors.js';

export interface RestoreOptions {
  db: Db;
  /** Where the files go; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  logger: Logger;
  input: Readable;
  /** Replace a gallery that is already there. */
  force?: boolean;
}

/** Files written to a bucket at once (each is one PUT). */
const PUT_CONCURRENCY = 8;

export interface RestoreSummary {
  createdAt: string;
  appVersion: string;
  tables: number;
  rows: number;
  files: number;
  migrationsAfter: string[];
  counts: BackupManifest['counts'];
}

const userError = (message: string) => new UserError(message);

/** Restores the archive read from opts.input; throws a one-line error and changes nothing when it cannot. */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreSummary> {
  const { db, logger } = opts;
  const store = imageStoreOf(opts);
  const stage = stagingOf(store);
  await fsp.mkdir(stage.root, { recursive: true });
  await removeDeadStaging(stage);
  const stageDir = path.join(stage.root, `${stage.prefix}${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  await fsp.mkdir(stageDir);
  try {
    const staged = await stageArchive(opts.input, stageDir);
    const { manifest } = staged;
    const local = listLocalMigrations();
    const unknown = manifest.migrations.find((m, i) => local[i] !== m);
    if (unknown)
      throw userError(
        `the backup was made by a newer or different version (migration ${unknown} is not in this one): upgrade first; nothing was changed`,
      );
    const before = await galleryCounts(db);
    if (!opts.force && (before.characters || before.artworks || before.channels)) {
      throw userError(
        `this install already holds a gallery (${before.characters} characters, ${before.artworks} artworks): restore into an empty install, or add --force to replace it; nothing was changed`,
      );
    }
    await migrateTo(db, logger, manifest.migrations);
    const placed: string[] = [];
    let rows: number;
    try {
      await placeFiles(store, staged, placed);
      rows = await copyTables(db, staged, opts.force ?? false);
    } catch (err) {
      await unplace(store, placed);
      await migrate(db, logger, 'up').catch(() => undefined); // back to this version's schema
      throw err;
    }
    const after = await migrate(db, logger, 'up');
    logger.info(
      {
        tables: manifest.tables.length,
        rows,
        files: manifest.files.length,
        migrated: after.length,
        store: store.location,
      },
      'backup restored',
    );
    return {
      createdAt: manifest.createdAt,
      appVersion: manifest.appVersion,
      tables: manifest.tables.length,
      rows,
      files: manifest.files.length,
      migrationsAfter: after,
      counts: manifest.counts,
    };
  } finally {
    await fsp.rm(stageDir, { recursive: true, force: true });
  }
}

/** Where the archive is unpacked: inside a local store's folder (same disk, no second copy elsewhere), else the system temp folder. */
function stagingOf(store: ImageStore): { root: string; prefix: string } {
  return store.localDir
    ? { root: store.localDir, prefix: '.restore-' }
    : { root: os.tmpdir(), prefix: 'waifudex-restore-' };
}

/** Staging folders of restores that were killed (their process is gone). */
async function removeDeadStaging(stage: { root: string; prefix: string }): Promise<void> {
  for (const name of await fsp.readdir(stage.root)) {
    const m = name.startsWith(stage.prefix) ? /^(\d+)-[0-9a-f]+$/.exec(name.slice(stage.prefix.length)) : null;
    if (m && !isProcessAlive(Number(m[1]))) await fsp.rm(path.join(stage.root, name), { recursive: true, force: true });
  }
}

/** This version's migrations, oldest first (node-pg-migrate names them by file name without extension). */
function listLocalMigrations(): string[] {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{13}_.+\.(sql|js|cjs|mjs|ts)$/.test(f))
    .map((f) => f.replace(/\.[a-z]+$/, ''))
    .sort();
}

/** Applies or reverts migrations until exactly `target` are applied (an empty install's tables only). */
async function migrateTo(db: Db, logger: Logger, target: string[]): Promise<void> {
  const applied = await listAppliedMigrations(db);
  const common = applied.findIndex((m, i) => target[i] !== m);
  if (common !== -1 && common < Math.min(applied.length, target.length)) {
    throw userError(
      `the database's migrations differ from the backup's at ${applied[common]}: restore into an empty database; nothing was changed`,
    );
  }
  if (applied.length < target.length) await migrate(db, logger, 'up', target.length - applied.length);
  else if (applied.length > target.length) await migrate(db, logger, 'down', applied.length - target.length);
}

/** Writes the staged files through the store; `placed` collects the keys that were not there before. */
async function placeFiles(store: ImageStore, staged: StagedArchive, placed: string[]): Promise<void> {
  const queue = [...staged.manifest.files];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const existing = await store.get(f.path);
      if (existing && sha256(existing) === f.sha256) continue; // same key and bytes: content-addressed, keep it
      if (existing) await store.remove([f.path]); // damaged copy: put() keeps what is there
      const bytes = await fsp.readFile(staged.entries.get(fileEntry(f.path))!.file);
      await store.put(f.path, bytes, contentTypeOf(f.path));
      if (!existing) placed.push(f.path);
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: store.kind === 'local' ? 1 : PUT_CONCURRENCY }, worker),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Takes written files away again; in a local folder also the shard folders that are left empty. */
async function unplace(store: ImageStore, keys: string[]): Promise<void> {
  if (!keys.length) return;
  await store.remove(keys);
  const root = store.localDir;
  if (!root) return;
  const files = keys.map((k) => resolveInside(root, k));
  const dirs = new Set(files.flatMap((f) => [path.dirname(f), path.dirname(path.dirname(f))]));
  // deepest first; rmdir refuses a folder that still holds anything
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) await fsp.rmdir(d).catch(() => undefined);
}

const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Replaces every backed-up table's rows with the archive's, in one transaction; returns the row count. */
async function copyTables(db: Db, staged: StagedArchive, force: boolean): Promise<number> {
  const { manifest } = staged;
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL statement_timeout = 0');
    const target = await listBackupTables(client);
    const byName = new Map(target.map((t) => [t.name, t]));
    const plan: Array<{ table: BackupTable; file: string }> = [];
    for (const t of manifest.tables) {
      const into = byName.get(t.name);
      if (!into) throw new BadArchiveError(`table ${t.name} is not in this schema`);
      const columns = t.columns.map((c) => {
        const col = into.columns.find((x) => x.name === c);
        if (!col) throw new BadArchiveError(`column ${t.name}.${c} is not in this schema`);
        return col;
      });
      plan.push({ table: { name: t.name, columns }, file: staged.entries.get(tableEntry(t.name))!.file });
    }
    const counts = await galleryCounts(client);
    if (!force && (counts.characters || counts.artworks || counts.channels))
      throw userError('a gallery was added while the backup was being restored; nothing was changed');
    await deleteRows(
      client,
      target.map((t) => t.name),
    );
    const order = new Map(target.map((t, i) => [t.name, i]));
    plan.sort((a, b) => order.get(a.table.name)! - order.get(b.table.name)!);
    for (const p of plan) {
      try {
        await copyTableIn(client, p.table, fs.createReadStream(p.file));
      } catch (err) {
        throw userError(`restoring table ${p.table.name} failed: ${(err as Error).message}; nothing was changed`);
      }
    }
    await resetSequences(
      client,
      target.map((t) => t.name),
    );
    await client.query('COMMIT');
    return manifest.tables.reduce((n, t) => n + t.rows, 0);
  } catch (err) {
    // catch: `err` is what failed; a connection that broke has rolled back already
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
