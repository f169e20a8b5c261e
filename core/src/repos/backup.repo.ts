/**
 * SQL of backup and restore: which tables hold the gallery (found in the catalog, so a new migration's
 * table is backed up without touching this file), their columns, COPY streams, and sequence resets.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Queryable } from '../db/database.js';
import { thumbKey } from '../storage/image-keys.js';

/**
 * Tables whose rows are not part of a backup: the migration log (the restore runs the migrations
 * instead), logs and indexes that triggers rebuild while the rows are copied in (the search's word index and
 * anime titles, and the gallery's position counts among them), and short-lived locks, leases, rate-limit
 * counters and sign-in sessions (a restored install starts with none; admins sign in again).
 */
export const SKIPPED_TABLES = new Set([
  'pgmigrations',
  'image_index_changes',
  'artwork_embedding_version',
  'artwork_embedding_removals',
  'sessions',
  'sync_locks',
  'telegram_session_lease',
  'rate_limit_hits',
  'character_search_words',
  'gallery_time_counts',
  'search_anime_titles',
]);

/** Columns a trigger sets on insert, so their stored values mean nothing in another database. */
const DERIVED_COLUMNS: Record<string, string[]> = { artwork_embeddings: ['version'] };

/** A column of a backed-up table; `vector` (pgvector) columns travel as real[] to fit either schema. */
export interface TableColumn {
  name: string;
  vector: boolean;
}

export interface BackupTable {
  name: string;
  columns: TableColumn[];
}

/** The tables of the public schema that a backup holds, parents before children (foreign keys). */
export async function listBackupTables(q: Queryable): Promise<BackupTable[]> {
  const tables = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const deps = await q.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`,
  );
  const cols = await q.query<{ table: string; name: string; type: string }>(
    `SELECT c.relname AS table, a.attname AS name, t.typname AS type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
     WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     ORDER BY c.relname, a.attnum`,
  );
  const names = tables.rows.map((r) => r.name).filter((n) => !SKIPPED_TABLES.has(n));
  const byTable = new Map<string, TableColumn[]>();
  for (const c of cols.rows) {
    if (DERIVED_COLUMNS[c.table]?.includes(c.name)) continue;
    const list = byTable.get(c.table) ?? [];
    list.push({ name: c.name, vector: c.type === 'vector' });
    byTable.set(c.table, list);
  }
  return sortByForeignKeys(names, deps.rows).map((name) => ({ name, columns: byTable.get(name) ?? [] }));
}

/** Orders tables so that every table comes after the tables it references (alphabetical otherwise). */
export function sortByForeignKeys(names: string[], deps: Array<{ child: string; parent: string }>): string[] {
  const wanted = new Set(names);
  const parents = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
  for (const d of deps) if (wanted.has(d.child) && wanted.has(d.parent)) parents.get(d.child)!.add(d.parent);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < names.length) {
    const next = names.find((n) => !done.has(n) && [...parents.get(n)!].every((p) => done.has(p)));
    if (!next) throw new Error(`foreign keys form a cycle among ${names.filter((n) => !done.has(n)).join(', ')}`);
    out.push(next);
    done.add(next);
  }
  return out;
}

const ident = (name: string) => pg.escapeIdentifier(name);

/** Starts a read-only snapshot: every later query on this client sees the database as it was now. */
export async function beginSnapshot(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await client.query('SET LOCAL statement_timeout = 0');
}

/** COPY … TO STDOUT of one table in text format (vector columns as real[]), ordered for stable output. */
export function copyTableOut(client: pg.PoolClient, table: BackupTable): Readable {
  const cols = table.columns.map((c) => (c.vector ? `${ident(c.name)}::real[]` : ident(c.name))).join(', ');
  return client.query(copyTo(`COPY (SELECT ${cols} FROM ${ident(table.name)} ORDER BY 1) TO STDOUT`));
}

/**
 * COPY … FROM STDIN into one table. Without vector columns straight in; with them through a temporary
 * table of real[] columns and one INSERT that casts (the text form of real[] is not pgvector's).
 */
export async function copyTableIn(client: pg.PoolClient, table: BackupTable, data: Readable): Promise<void> {
  const names = table.columns.map((c) => ident(c.name)).join(', ');
  if (!table.columns.some((c) => c.vector)) {
    await pipeline(data, client.query(copyFrom(`COPY ${ident(table.name)} (${names}) FROM STDIN`)) as Writable);
    return;
  }
  const stage = ident(`restore_stage_${table.name}`);
  const staged = table.columns
    .map((c) => (c.vector ? `${ident(c.name)}::real[] AS ${ident(c.name)}` : ident(c.name)))
    .join(', ');
  await client.query(
    `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${staged} FROM ${ident(table.name)} WITH NO DATA`,
  );
  await pipeline(data, client.query(copyFrom(`COPY ${stage} (${names}) FROM STDIN`)) as Writable);
  const cast = table.columns.map((c) => (c.vector ? `${ident(c.name)}::vector` : ident(c.name))).join(', ');
  await client.query(`INSERT INTO ${ident(table.name)} (${names}) SELECT ${cast} FROM ${stage}`);
}

/** Deletes every row of these tables, children first (cascades reach the tables a backup skips). */
export async function deleteRows(q: Queryable, tablesParentsFirst: string[]): Promise<void> {
  for (const t of [...tablesParentsFirst].reverse()) await q.query(`DELETE FROM ${ident(t)}`);
}

/** Moves every serial/identity sequence of these tables past the largest restored value. */
export async function resetSequences(q: Queryable, tables: string[]): Promise<number> {
  const seqs = await q.query<{ table: string; column: string; seq: string }>(
    `SELECT c.relname AS table, a.attname AS column, pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
       AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL`,
    [tables],
  );
  for (const s of seqs.rows) {
    // an empty table restarts at 1; otherwise the next value follows the largest one
    await q.query(
      `SELECT setval($1::regclass, coalesce((SELECT max(${ident(s.column)}) FROM ${ident(s.table)}), 0) + 1, false)`,
      [s.seq],
    );
  }
  return seqs.rows.length;
}

/** Names of the applied migrations, oldest first; empty when the schema was never migrated. */
export async function listAppliedMigrations(q: Queryable): Promise<string[]> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('public.pgmigrations')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const r = await q.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY run_on, id');
  return r.rows.map((x) => x.name);
}

/** Store keys referenced by artworks in this snapshot (originals, thumb_path, every srcset width), sorted. */
export async function listStoredFiles(q: Queryable): Promise<string[]> {
  const r = await q.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
    'SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks',
  );
  const keys = new Set(
    r.rows.flatMap((a) => [a.file_path, a.thumb_path, ...a.thumb_widths.map((w) => thumbKey(a.sha256, w))]),
  );
  return [...keys].sort();
}

/** How much gallery an install holds (0 everywhere = empty); zero when the tables do not exist yet. */
export async function galleryCounts(q: Queryable): Promise<{ characters: number; artworks: number; channels: number }> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('public.artworks')::text AS t`);
  if (!exists.rows[0]?.t) return { characters: 0, artworks: 0, channels: 0 };
  const r = await q.query<{ characters: number; artworks: number; channels: number }>(
    `SELECT (SELECT count(*)::int FROM characters) AS characters, (SELECT count(*)::int FROM artworks) AS artworks,
            (SELECT count(*)::int FROM channels) AS channels`,
  );
  return r.rows[0]!;
}

/** Server version and whether pgvector is installed (recorded in the manifest). */
export async function describeEngine(q: Queryable): Promise<{ server: string; pgvector: boolean }> {
  const r = await q.query<{ server: string; pgvector: boolean }>(
    `SELECT current_setting('server_version') AS server, EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS pgvector`,
  );
  return r.rows[0]!;
}
