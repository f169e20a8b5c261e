/**
 * The embedded PostgreSQL cluster in DATA_DIR: created on first use, started by the first Waifudex process
 * that needs it, reached by every process over a Unix socket in DATA_DIR (no TCP port), and stopped by the
 * last process to leave (see embedded-presence.ts).
 *
 * Layout: DATA_DIR/postgres (the cluster, 0700), DATA_DIR/run (the socket, 0700), DATA_DIR/postgres.log.
 * Run as root, the server runs as the `postgres` system account; when that account cannot reach DATA_DIR
 * (a folder under /root), the cluster and socket live in /var/lib/waifudex/<hash of DATA_DIR> instead.
 * PostgreSQL's own postmaster.pid guards the cluster against a second postmaster; a pid file left by a crash
 * whose PID now belongs to another program (PID reuse, PID 1 in a container) is recognised here and removed.
 */
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { findPostgresBinaries } from './embedded-binaries.js';
import { DatabaseUnavailableError } from './errors.js';
import { isProcessAlive as isAlive } from '../process-alive.js';

export const EMBEDDED_PORT = 5432; // only names the socket file `.s.PGSQL.5432`
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_DATABASE = 'waifudex';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
const MAX_SOCKET_PATH = 103; // sun_path is 104 bytes on macOS, 108 on Linux

export interface ClusterPaths {
  root: string;
  pgdata: string;
  runDir: string;
  logFile: string;
}

export interface ClusterOptions {
  dataDir: string;
  logger: Logger;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /** A throwaway cluster, for tests only (see setThrowawayClusters); off unless that turned it on. */
  throwaway?: boolean;
  /** Tests only: the pristine cluster a new throwaway cluster is copied from (see createClusterTemplate). */
  template?: string;
}

let throwawayByDefault = false;
let throwawayTemplate: string | undefined;

/**
 * Tests only: the clusters this process creates or starts from now on are throwaway. initdb skips its final
 * fsync and the server never waits for the disk (fsync, synchronous_commit, full_page_writes off): a killed
 * client loses nothing, but a killed postmaster can lose its last commits and a machine crash can lose
 * everything. With a `template` (createClusterTemplate), a new cluster is a copy of it instead of an initdb
 * run (a second or two of CPU each). Never called by the app; tests that kill PostgreSQL itself keep it off.
 */
export function setThrowawayClusters(on: boolean, opts: { template?: string } = {}): void {
  throwawayByDefault = on;
  throwawayTemplate = on ? opts.template : undefined;
}

/**
 * Tests only: initdb a pristine throwaway cluster (never started) into DATA_DIR `dir`, once per test run;
 * returns its folder, the `template` of setThrowawayClusters.
 */
export async function createClusterTemplate(dir: string, logger: Logger): Promise<string> {
  const paths = clusterPaths(dir);
  const owner = serviceAccount();
  prepareFolders(paths, owner);
  await initCluster(paths, owner, logger, true, undefined);
  return paths.pgdata;
}

const THROWAWAY_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

export function clusterPaths(dataDir: string): ClusterPaths {
  const root = path.resolve(dataDir);
  const inside = {
    root,
    pgdata: path.join(root, 'postgres'),
    runDir: path.join(root, 'run'),
    logFile: path.join(root, 'postgres.log'),
  };
  if (process.getuid?.() !== 0 || reachableByOthers(root)) return inside;
  // Run as root with DATA_DIR under a folder the postgres account cannot enter (e.g. /root): the cluster
  // lives in a folder of its own, named after DATA_DIR so that every process finds the same one.
  const own = path.join(ROOT_CLUSTERS, crypto.createHash('sha256').update(root).digest('hex').slice(0, 16));
  return {
    root,
    pgdata: path.join(own, 'postgres'),
    runDir: path.join(own, 'run'),
    logFile: path.join(root, 'postgres.log'),
  };
}

/** Where clusters go when DATA_DIR is out of the postgres account's reach (root only). */
const ROOT_CLUSTERS = '/var/lib/waifudex';

/** Whether every existing folder above `dir` can be traversed by other accounts. */
function reachableByOthers(dir: string): boolean {
  for (let p = path.dirname(dir); ; p = path.dirname(p)) {
    try {
      if ((fs.statSync(p).mode & 0o001) === 0) return false;
    } catch {
      /* created later with the default mode */
    }
    if (p === path.dirname(p)) return true;
  }
}

/** Connection settings of the cluster's socket (for pg.Pool / pg.Client). */
export function socketConfig(paths: ClusterPaths, database = EMBEDDED_DATABASE): pg.ClientConfig {
  return { host: paths.runDir, port: EMBEDDED_PORT, user: EMBEDDED_USER, database };
}

/** `postgresql://` URL of the cluster: psql and node-postgres both take `?host=` (a socket folder) over the host part. */
export function socketUrl(paths: ClusterPaths, database = EMBEDDED_DATABASE): string {
  return `postgresql://${EMBEDDED_USER}@localhost/${database}?host=${encodeURIComponent(paths.runDir)}`;
}

/** Makes sure the cluster exists and a postmaster serves it; returns whether this call started it. */
export async function ensureClusterRunning(opts: ClusterOptions): Promise<{ paths: ClusterPaths; started: boolean }> {
  const paths = clusterPaths(opts.dataDir);
  const socket = path.join(paths.runDir, `.s.PGSQL.${EMBEDDED_PORT}`);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new DatabaseUnavailableError(
      `DATA_DIR is too long for a Unix socket (${Buffer.byteLength(socket)} > ${MAX_SOCKET_PATH} bytes): ${paths.root}`,
    );
  }
  // a joiner makes sure of the database too: the process that started the cluster may still be creating it
  if (await answers(paths)) {
    const j = await joined(paths);
    if (j) return j;
  }
  const throwaway = opts.throwaway ?? throwawayByDefault;
  const template = throwaway ? (opts.template ?? throwawayTemplate) : undefined;
  const owner = serviceAccount();
  prepareFolders(paths, owner);
  if (!fs.existsSync(path.join(paths.pgdata, 'PG_VERSION')))
    await initCluster(paths, owner, opts.logger, throwaway, template);
  for (let attempt = 1; ; attempt++) {
    removeStalePidFiles(paths, opts.logger);
    if (await answers(paths)) {
      const j = await joined(paths); // another process started it meanwhile
      if (j) return j;
      continue;
    }
    const outcome = await startPostmaster(paths, owner, {
      ...opts,
      settings: throwaway ? { ...THROWAWAY_SETTINGS, ...opts.settings } : opts.settings,
    });
    if (outcome !== 'gave-up') {
      await ensureDatabase(paths);
      return { paths, started: outcome === 'started' };
    }
    // Ours gave up because another postmaster still held the cluster and then left (it was shutting
    // down as we arrived, the last user leaving): start again.
    if (attempt >= 5)
      throw new DatabaseUnavailableError(
        `The embedded database in ${paths.pgdata} did not start: ${lastLines(readTail(paths.logFile))}`,
      );
    await sleep(100 * attempt);
  }
}

/**
 * Joins a running cluster once the app's database is there; null when the cluster stopped meanwhile (the
 * last process using it left as this one arrived): the caller starts it again.
 */
async function joined(paths: ClusterPaths): Promise<{ paths: ClusterPaths; started: false } | null> {
  try {
    await ensureDatabase(paths);
    return { paths, started: false };
  } catch (err) {
    if (await answers(paths)) throw err;
    return null;
  }
}

/** Whether the cluster accepts connections to the app's database now. */
export function clusterAnswers(paths: ClusterPaths): Promise<boolean> {
  return answers(paths, EMBEDDED_DATABASE);
}

/** Fast shutdown (clients are disconnected, a checkpoint is written); waits until the postmaster exits. */
export async function stopCluster(paths: ClusterPaths, logger: Logger): Promise<void> {
  const pid = livePostmaster(paths);
  if (!pid) return;
  logger.debug({ pid }, 'stopping the embedded database');
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
}

/** The PID of a postmaster that is really serving this cluster, or null. */
export function livePostmaster(paths: ClusterPaths): number | null {
  const pid = readPid(path.join(paths.pgdata, 'postmaster.pid'));
  if (!pid || !isAlive(pid)) return null;
  return servesCluster(pid, paths.pgdata) === false ? null : pid;
}

async function answers(paths: ClusterPaths, database = 'postgres'): Promise<boolean> {
  if (!fs.existsSync(path.join(paths.runDir, `.s.PGSQL.${EMBEDDED_PORT}`))) return false;
  const client = new pg.Client({ ...socketConfig(paths, database), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    // catch: closing after the answer (or the error) that matters; a dead connection has nothing to close
    await client.end().catch(() => undefined);
  }
}

interface Account {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. Run as root (a container without USER, a root shell), the cluster
 * belongs to a `postgres` system account, created when missing; otherwise to the current user.
 */
function serviceAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, EMBEDDED_USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync(
        'useradd',
        ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', EMBEDDED_USER],
        { stdio: 'ignore' },
      );
      return { uid: id('-u'), gid: id('-g') };
    } catch (err) {
      throw new DatabaseUnavailableError(
        `Running as root, the embedded database needs a "${EMBEDDED_USER}" system account and none could be created: ${(err as Error).message}`,
      );
    }
  }
}

/** DATA_DIR and the cluster's folders are private to their owner (as root: traversable by postgres' group only). */
function prepareFolders(paths: ClusterPaths, owner: Account | undefined): void {
  fs.mkdirSync(path.dirname(paths.root), { recursive: true });
  fs.mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const clusterHome = path.dirname(paths.pgdata);
  const inside = clusterHome === paths.root;
  if (owner && inside) {
    fs.chownSync(paths.root, process.getuid!(), owner.gid);
    fs.chmodSync(paths.root, 0o710);
  } else {
    fs.chmodSync(paths.root, 0o700);
  }
  if (!inside) {
    fs.mkdirSync(path.dirname(clusterHome), { recursive: true, mode: 0o755 });
    fs.mkdirSync(clusterHome, { recursive: true, mode: 0o700 });
    if (owner) fs.chownSync(clusterHome, owner.uid, owner.gid);
    fs.chmodSync(clusterHome, 0o700);
  }
  fs.mkdirSync(paths.runDir, { recursive: true, mode: 0o700 });
  if (owner) fs.chownSync(paths.runDir, owner.uid, owner.gid);
  fs.chmodSync(paths.runDir, 0o700);
}

/**
 * initdb (or, for a throwaway cluster with a template, a copy) into a fresh sibling folder, then rename it
 * into place: two processes creating the cluster at once both succeed, one rename wins, and a crash
 * mid-initdb leaves no half-made cluster behind.
 */
async function initCluster(
  paths: ClusterPaths,
  owner: Account | undefined,
  logger: Logger,
  throwaway: boolean,
  template: string | undefined,
): Promise<void> {
  const { initdb } = await findPostgresBinaries();
  const tmp = `${paths.pgdata}.init-${process.pid}-${Date.now()}`;
  const fresh = () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { mode: 0o700 });
    if (owner) fs.chownSync(tmp, owner.uid, owner.gid);
  };
  fresh();
  logger.info({ pgdata: paths.pgdata }, 'creating the embedded database (first start)');
  let result = { code: -1 as number | null, output: '' };
  if (template && ownedBy(template, owner)) {
    // cp -a keeps the owner and modes (PostgreSQL refuses a data folder others can read)
    result = await run('cp', ['-a', `${template}/.`, tmp], undefined);
    if (result.code !== 0) fresh();
  }
  // Unicode-aware character classes (pg_trgm on non-Latin names) need a UTF-8 ctype; C.UTF-8 is built
  // into current glibc, the others are fallbacks for systems without it.
  for (const locale of ['C.UTF-8', 'en_US.UTF-8', 'C']) {
    if (result.code === 0) break;
    result = await run(initdb, [...initdbArgs(tmp, locale), ...(throwaway ? ['--no-sync'] : [])], owner);
    if (result.code === 0 || !/locale/i.test(result.output)) break;
    fresh();
  }
  if (result.code !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new DatabaseUnavailableError(
      `Cannot create the embedded database in ${paths.pgdata}: ${lastLines(result.output)}`,
    );
  }
  try {
    fs.renameSync(tmp, paths.pgdata);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  // Sweep leftovers of initdb runs that were killed (their PID is no longer alive).
  const home = path.dirname(paths.pgdata);
  for (const name of fs.readdirSync(home)) {
    const m = /^postgres\.init-(\d+)-\d+$/.exec(name);
    if (m && !isAlive(Number(m[1]))) fs.rmSync(path.join(home, name), { recursive: true, force: true });
  }
}

/** Whether `template` is a cluster that belongs to the account the new one will belong to. */
function ownedBy(template: string, owner: Account | undefined): boolean {
  try {
    const uid = fs.statSync(path.join(template, 'PG_VERSION')).uid;
    return uid === (owner?.uid ?? process.getuid?.());
  } catch {
    return false;
  }
}

function initdbArgs(pgdata: string, locale: string): string[] {
  return [
    `--pgdata=${pgdata}`,
    `--username=${EMBEDDED_USER}`,
    // Only the Unix socket is served, in a folder only the owner can enter: that is the access control.
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    `--locale=${locale}`,
    '--no-instructions',
  ];
}

/** A pid file whose PID is gone, or now belongs to a program that is not our postmaster, is stale. */
function removeStalePidFiles(paths: ClusterPaths, logger: Logger): void {
  const pidFile = path.join(paths.pgdata, 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid && !livePostmaster(paths)) {
    logger.warn({ pid }, 'removing the pid file of an embedded database that is no longer running');
    fs.rmSync(pidFile, { force: true });
  }
  const socketLock = path.join(paths.runDir, `.s.PGSQL.${EMBEDDED_PORT}.lock`);
  const lockPid = readPid(socketLock);
  if (lockPid && !(isAlive(lockPid) && servesCluster(lockPid, paths.pgdata) !== false)) {
    fs.rmSync(socketLock, { force: true });
    fs.rmSync(path.join(paths.runDir, `.s.PGSQL.${EMBEDDED_PORT}`), { force: true });
  }
}

/** 'started': ours serves the cluster; 'joined': another process' postmaster does; 'gave-up': neither. */
async function startPostmaster(
  paths: ClusterPaths,
  owner: Account | undefined,
  opts: ClusterOptions,
): Promise<'started' | 'joined' | 'gave-up'> {
  const { postgres } = await findPostgresBinaries();
  const settings: Record<string, string> = {
    listen_addresses: '',
    unix_socket_directories: paths.runDir,
    unix_socket_permissions: '0700',
    port: String(EMBEDDED_PORT),
    max_connections: '100',
    // Files the server creates stay private to its account.
    log_file_mode: '0600',
    ...opts.settings,
  };
  const args = ['-D', paths.pgdata, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const log = fs.openSync(paths.logFile, 'a', 0o600);
  fs.chmodSync(paths.logFile, 0o600);
  // Detached: Ctrl+C in the terminal reaches Waifudex, which then decides whether the database stops
  // (other processes may still be using it).
  const child = spawn(postgres, args, { detached: true, stdio: ['ignore', log, log], ...(owner ?? {}) });
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  child.on('error', () => {
    exited = -1;
  });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answers(paths)) return exited === undefined ? 'started' : 'joined';
    // Our postmaster exited: fine if another process' postmaster holds the cluster (a start race).
    if (exited !== undefined && !livePostmaster(paths)) {
      await sleep(200);
      return (await answers(paths)) ? 'joined' : 'gave-up';
    }
    await sleep(50);
  }
  throw new DatabaseUnavailableError(
    `The embedded database in ${paths.pgdata} did not answer within ${START_TIMEOUT_MS / 1000} s; see ${paths.logFile}`,
  );
}

async function ensureDatabase(paths: ClusterPaths): Promise<void> {
  const client = new pg.Client({ ...socketConfig(paths, 'postgres'), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (r.rowCount) return;
    await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`).catch((err: { code?: string }) => {
      if (err.code !== '42P04' && err.code !== '23505') throw err; // created by a concurrent start
    });
  } finally {
    // catch: closing after the answer (or the error) that matters; a dead connection has nothing to close
    await client.end().catch(() => undefined);
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether a live PID is a postmaster of this cluster (its working folder is the cluster): true, false, or
 * undefined where the OS does not say (no /proc), in which case PostgreSQL's own pid check decides.
 */
function servesCluster(pid: number, pgdata: string): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return fs.realpathSync(fs.readlinkSync(`/proc/${pid}/cwd`)) === fs.realpathSync(pgdata);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
    } catch {
      return code === 'EACCES' ? undefined : false;
    }
  }
}

function run(
  cmd: string,
  args: string[],
  owner: Account | undefined,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      ...(owner ?? {}),
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function readTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-4000);
  } catch {
    return '';
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ') || 'no output';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
