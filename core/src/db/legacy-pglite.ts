/**
 * Galleries from earlier versions lived in PGlite (DATA_DIR/pglite). This copies one, once, into the
 * embedded PostgreSQL: every table both schemas share, rows as JSON through json_populate_recordset (so
 * bit(64), arrays and timestamps keep their types), in foreign-key order, in one transaction, then the
 * id sequences. CLIP embeddings are left out (`npm run scraper -- embed` recomputes them) and the image
 * index change log is rebuilt by the target's own triggers. PGlite is loaded only here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database.js';
import { DatabaseUnavailableError } from './errors.js';
import { UserError } from '../errors.js';

const SKIP = new Set(['pgmigrations', 'image_index_changes', 'artwork_embeddings', 'sync_locks']);
const MARKER = 'COPIED-TO-POSTGRESQL';

export function legacyDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pglite');
}

/** A PGlite gallery that was never copied over. */
export function hasUncopiedLegacyGallery(dataDir: string): boolean {
  const dir = legacyDir(dataDir);
  return fs.existsSync(path.join(dir, 'PG_VERSION')) && !fs.existsSync(path.join(dir, MARKER));
}

export interface CopyReport {
  tables: Record<string, number>;
}

export async function copyLegacyGallery(
  db: Db,
  dataDir: string,
  opts: { force?: boolean; onTable?: (t: string, n: number) => void } = {},
): Promise<CopyReport> {
  const dir = legacyDir(dataDir);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) throw userError(`No earlier gallery in ${dir}`);
  const existing = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM characters');
  if (existing.rows[0]!.n > 0 && !opts.force) {
    throw userError(
      `The embedded database already has ${existing.rows[0]!.n} characters; refusing to mix galleries (--force copies anyway)`,
    );
  }
  const source = await openPglite(dir);
  try {
    const srcTables = new Set(
      (await source.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map(
        (r) => r.t,
      ),
    );
    const order = await tablesInForeignKeyOrder(db);
    const report: CopyReport = { tables: {} };
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL statement_timeout = 0');
      for (const table of order) {
        if (SKIP.has(table) || !srcTables.has(table)) continue;
        const cols = await sharedColumns(source, db, table);
        const list = cols.map((c) => `"${c}"`).join(', ');
        const rows = await source.query<{ j: string }>(
          `SELECT json_agg(json_build_object(${cols.map((c) => `'${c}', "${c}"`).join(', ')}))::text AS j FROM "${table}"`,
        );
        const json = rows.rows[0]?.j;
        const n = json ? (JSON.parse(json) as unknown[]).length : 0;
        if (n)
          await tx.query(
            `INSERT INTO "${table}" (${list}) SELECT ${list} FROM json_populate_recordset(null::"${table}", $1::json) ON CONFLICT DO NOTHING`,
            [json],
          );
        report.tables[table] = n;
        opts.onTable?.(table, n);
        if (!cols.includes('id')) continue;
        const serial = await tx.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [
          table,
        ]);
        const seq = serial.rows[0]?.seq;
        if (seq) await tx.query(`SELECT setval($1, greatest((SELECT coalesce(max(id), 0) FROM "${table}"), 1))`, [seq]);
      }
    });
    fs.writeFileSync(path.join(dir, MARKER), `copied ${new Date().toISOString()}\n`, { mode: 0o600 });
    return report;
  } finally {
    await source.close();
  }
}

interface Source {
  query<R>(sql: string): Promise<{ rows: R[] }>;
  close(): Promise<void>;
}

async function openPglite(dir: string): Promise<Source> {
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const extensions: Record<string, unknown> = { pg_trgm };
    try {
      extensions.vector = (await import('@electric-sql/pglite-pgvector')).vector;
    } catch {
      /* galleries without pgvector columns open without it */
    }
    const db = new PGlite(dir, { extensions: extensions as never });
    await db.waitReady;
    return { query: (sql) => db.query(sql) as never, close: () => db.close() };
  } catch (err) {
    throw new DatabaseUnavailableError(
      `Cannot open the earlier gallery in ${dir} (needs the dev dependency @electric-sql/pglite; run \`npm ci\`): ${(err as Error).message}`,
    );
  }
}

/** Parents before children, so foreign keys hold at every insert. */
async function tablesInForeignKeyOrder(db: Db): Promise<string[]> {
  const tables = (
    await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
  ).rows.map((r) => r.t);
  const deps = await db.query<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype = 'f' AND n.nspname = 'public' AND c.conrelid <> c.confrelid`,
  );
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set()]));
  for (const d of deps.rows) parents.get(d.child)?.add(d.parent);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const p of parents.get(t) ?? []) visit(p);
    out.push(t);
  };
  tables.forEach(visit);
  return out;
}

async function sharedColumns(source: Source, db: Db, table: string): Promise<string[]> {
  const q = `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY ordinal_position`;
  const src = new Set((await source.query<{ c: string }>(q)).rows.map((r) => r.c));
  const dst = (await db.query<{ c: string }>(q)).rows.map((r) => r.c);
  return dst.filter((c) => src.has(c));
}

function userError(message: string): Error {
  return new UserError(message);
}
