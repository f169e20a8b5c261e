/**
 * Embedded PostgreSQL (PGlite). PGlite is single-process, so the first process to open a data folder
 * owns it and serves it on a Unix socket inside the folder; later processes (CLI commands while the
 * server runs) connect to that socket with plain `pg`. The owner uses the socket too, so the socket
 * server's queue keeps every client's transactions apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../logger.js';
import { DatabaseUnavailableError, wrapPool, type Db } from './database.js';

const SOCKET_PORT = 5432; // pg derives the socket file name `.s.PGSQL.<port>` from this

type EmbeddedOptions = { memory: true; logger: Logger } | { dataDir: string; logger: Logger };

/** Opens an embedded database: in memory (tests) or the shared data folder. */
export async function openEmbedded(opts: EmbeddedOptions): Promise<Db> {
  if ('memory' in opts) {
    const db = await createPglite('memory://');
    const pool = new pg.Pool({ ...createPgConfig(db), max: 1 } as pg.PoolConfig);
    return wrapPool(pool, 'pglite', 'memory', () => db.close());
  }
  return openShared(path.resolve(opts.dataDir), opts.logger);
}

async function createPglite(dataDir: string): Promise<PGlite> {
  try {
    const db = new PGlite(dataDir, { extensions: { vector, pg_trgm } });
    await db.waitReady;
    return db;
  } catch (err) {
    throw new DatabaseUnavailableError(`Cannot open the embedded database at ${dataDir}: ${(err as Error).message}`);
  }
}

async function openShared(dataDir: string, logger: Logger): Promise<Db> {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'pglite.lock');
  const socketFile = path.join(dataDir, `.s.PGSQL.${SOCKET_PORT}`);
  if (socketFile.length > 100) {
    throw new DatabaseUnavailableError(`DATA_DIR path is too long for a Unix socket (${socketFile.length} > 100 characters): ${dataDir}`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    if (takeLock(lockFile)) break;
    const owner = readOwner(lockFile);
    if (owner && isAlive(owner)) {
      logger.debug({ dataDir, owner }, 'embedded database is open in another process; connecting to its socket');
      return connectSocket(dataDir, `pid ${owner}`);
    }
    logger.warn({ dataDir }, 'removing a stale embedded-database lock');
    fs.rmSync(lockFile, { force: true });
    if (attempt === 2) throw new DatabaseUnavailableError(`Cannot lock the embedded database in ${dataDir}`);
  }
  fs.rmSync(socketFile, { force: true }); // left behind by a crashed owner
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await createPglite(path.join(dataDir, 'pglite'));
    server = new PGLiteSocketServer({ db, path: socketFile, maxConnections: 32 });
    await server.start();
    fs.chmodSync(socketFile, 0o600);
  } catch (err) {
    await db?.close().catch(() => undefined);
    fs.rmSync(lockFile, { force: true });
    throw err;
  }
  const release = async () => {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    fs.rmSync(lockFile, { force: true });
    fs.rmSync(socketFile, { force: true });
  };
  const onExit = () => {
    fs.rmSync(lockFile, { force: true });
    fs.rmSync(socketFile, { force: true });
  };
  process.once('exit', onExit);
  const inner = await connectSocket(dataDir, 'this process');
  return { ...inner, close: async () => { await inner.close(); await release(); process.off('exit', onExit); } };
}

async function connectSocket(dataDir: string, owner: string): Promise<Db> {
  const pool = new pg.Pool({ host: dataDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres', max: 4, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(`Cannot connect to the embedded database in ${dataDir} (held by ${owner}): ${(err as Error).message}`);
  }
  return wrapPool(pool, 'pglite', `embedded:${dataDir}`);
}

function takeLock(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readOwner(lockFile: string): number | null {
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
