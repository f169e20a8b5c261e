/**
 * The embedded PostgreSQL as Waifudex processes really use it: several processes with real pools on one
 * DATA_DIR, started at the same moment on a fresh folder, killed with -9, and a pid file left by a crash
 * whose PID now belongs to another program.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './database.js';
import pg from 'pg';
import {
  clusterPaths,
  EMBEDDED_DATABASE,
  ensureClusterRunning,
  livePostmaster,
  socketConfig,
  stopCluster,
} from './embedded-cluster.js';
import { createLogger } from '../logger.js';
import { useThrowawayClusters } from '../testing/throwaway-clusters.js';

// No disk waits for the clusters started here and by the load processes, except in the test that kills
// the postmaster itself (a throwaway cluster may lose its last commits then).
useThrowawayClusters();
const logger = createLogger('silent');
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const loadScript = fileURLToPath(new URL('../testing/embedded-load.ts', import.meta.url));
const dirs: string[] = [];
const freshDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-emb-'));
  dirs.push(d);
  return d;
};

afterAll(async () => {
  for (const d of dirs) {
    const pid = livePostmaster(clusterPaths(d));
    if (pid) process.kill(pid, 'SIGQUIT');
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function load(
  dataDir: string,
  tag: string,
  count: number,
  holdMs = 0,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', loadScript, '--throwaway', dataDir, tag, String(count), ...(holdMs ? [String(holdMs)] : [])],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

async function count(dataDir: string): Promise<Record<string, number>> {
  const db = await openDatabase({ dataDir, logger });
  try {
    const r = await db.query<{ tag: string; n: number }>(
      'SELECT tag, count(*)::int AS n FROM load_rows GROUP BY tag ORDER BY tag',
    );
    return Object.fromEntries(r.rows.map((x) => [x.tag, x.n]));
  } finally {
    await db.close();
  }
}

describe('embedded PostgreSQL shared by several processes', { timeout: 240_000 }, () => {
  it('three processes started at once on a fresh folder all get their own answers, and the last one out stops it', async () => {
    const dir = freshDir();
    const runs = ['a', 'b', 'c'].map((t) => load(dir, t, 300));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) {
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ wrong: 0, inserted: 300 });
    }
    expect(livePostmaster(clusterPaths(dir))).toBeNull(); // nothing left running
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('postgres.init-'))).toEqual([]);
    expect(await count(dir)).toEqual({ a: 300, b: 300, c: 300 });
  });

  it('a process that joins while the one that started the cluster is still creating its database waits for it', async () => {
    // the moment between the first process's start and its CREATE DATABASE, held open: the cluster
    // answers, the app's database is not there yet
    const dir = freshDir();
    const { paths } = await ensureClusterRunning({ dataDir: dir, logger });
    const admin = new pg.Client(socketConfig(paths, 'postgres'));
    await admin.connect();
    await admin.query(`DROP DATABASE ${EMBEDDED_DATABASE}`);
    await admin.end();
    const started = Date.now();
    const db = await openDatabase({ dataDir: dir, logger });
    expect((await db.query('SELECT current_database() AS d')).rows[0].d).toBe(EMBEDDED_DATABASE);
    await db.close();
    // it joined at once (it used to wait a minute per attempt for a healthy cluster to stop)
    expect(Date.now() - started).toBeLessThan(30_000);
    await stopCluster(paths, logger);
  });

  it('a process that arrives as the last one out stops the cluster starts it again', async () => {
    // the moment between a joiner finding the cluster up and its database check, held open: CREATE
    // DATABASE waits (up to 5 s) while another session is connected to its template, and the cluster is
    // stopped meanwhile, as the last process leaving does
    const dir = freshDir();
    const { paths } = await ensureClusterRunning({ dataDir: dir, logger });
    const admin = new pg.Client(socketConfig(paths, 'postgres'));
    await admin.connect();
    await admin.query(`DROP DATABASE ${EMBEDDED_DATABASE}`);
    const holder = new pg.Client(socketConfig(paths, 'template1'));
    for (const c of [admin, holder]) c.on('error', () => undefined); // both are ended by the shutdown
    await holder.connect();
    const opening = openDatabase({ dataDir: dir, logger });
    let creating = false;
    for (let i = 0; i < 200 && !creating; i++) {
      const r = await admin.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE DATABASE%'");
      creating = r.rowCount! > 0;
      if (!creating) await new Promise((r) => setTimeout(r, 20));
    }
    expect(creating).toBe(true);
    await stopCluster(paths, logger);
    const db = await opening;
    expect((await db.query('SELECT current_database() AS d')).rows[0].d).toBe(EMBEDDED_DATABASE);
    await db.close();
    expect(livePostmaster(paths)).toBeNull();
  });

  it('keeps the data folder private to its owner', async () => {
    const dir = freshDir();
    const db = await openDatabase({ dataDir: dir, logger });
    await db.query('CREATE TABLE t (v int)');
    const loose: string[] = [];
    const walk = (p: string) => {
      const st = fs.lstatSync(p);
      // DATA_DIR itself may be group-traversable when run as root (the server runs as the postgres account)
      const allowed = p === dir && process.getuid?.() === 0 ? 0o010 : 0;
      if (st.mode & 0o077 & ~allowed) loose.push(`${(st.mode & 0o777).toString(8)} ${path.relative(dir, p)}`);
      if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    };
    walk(dir);
    await db.close();
    expect(loose).toEqual([]);
  });

  it('a process killed with -9 loses nothing it committed; the others carry on; a restart works', async () => {
    const dir = freshDir();
    const victim = load(dir, 'victim', 100_000, 3_000_000);
    const survivor = load(dir, 'survivor', 400, 4000);
    const watcher = await openDatabase({ dataDir: dir, logger });
    let before = 0;
    for (let i = 0; i < 600 && before < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      before = await watcher.query("SELECT count(*)::int AS n FROM load_rows WHERE tag = 'victim'").then(
        (r) => r.rows[0].n,
        () => 0,
      );
    }
    victim.child.kill('SIGKILL');
    expect((await victim.done).code).toBeNull();
    const s = await survivor.done;
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out)).toMatchObject({ wrong: 0, inserted: 400 });
    const after = await watcher.query<{ tag: string; n: number }>(
      'SELECT tag, count(*)::int AS n FROM load_rows GROUP BY tag',
    );
    const counts = Object.fromEntries(after.rows.map((x) => [x.tag, x.n]));
    expect(counts.survivor).toBe(400);
    expect(counts.victim).toBeGreaterThanOrEqual(before); // every row it committed before the kill is there
    await watcher.close();
    expect(livePostmaster(clusterPaths(dir))).toBeNull();
  });

  it('starts over a pid file left by a crash whose PID now belongs to another program', async () => {
    const dir = freshDir();
    useThrowawayClusters(false); // the postmaster is killed below: the row must be on disk by then
    const db = await openDatabase({ dataDir: dir, logger }).finally(() => useThrowawayClusters());
    await db.query('CREATE TABLE kept (v int)');
    await db.query('INSERT INTO kept VALUES (42)');
    const paths = clusterPaths(dir);
    // Crash: the postmaster dies without cleaning up, and its PID is reused by an unrelated program.
    const pmPid = livePostmaster(paths)!;
    const pidFile = fs.readFileSync(path.join(paths.pgdata, 'postmaster.pid'), 'utf8');
    await db.pool.end();
    process.kill(pmPid, 'SIGKILL');
    while (livePostmaster(paths)) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // backends notice the postmaster is gone
    const stranger = spawn('sleep', ['60']);
    const lines = pidFile.split('\n');
    lines[0] = String(stranger.pid);
    fs.writeFileSync(path.join(paths.pgdata, 'postmaster.pid'), lines.join('\n'));
    try {
      const again = await openDatabase({ dataDir: dir, logger });
      expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 42 }]);
      await again.close();
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'run as root with DATA_DIR under a private folder, keeps the cluster where the postgres account can reach it',
    async () => {
      const privateHome = freshDir(); // 0700, like /root
      const dir = path.join(privateHome, 'app', 'data');
      const paths = clusterPaths(dir);
      expect(paths.pgdata.startsWith(privateHome)).toBe(false);
      try {
        const db = await openDatabase({ dataDir: dir, logger });
        expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        await db.close();
        expect(livePostmaster(paths)).toBeNull();
      } finally {
        fs.rmSync(path.dirname(paths.pgdata), { recursive: true, force: true });
      }
    },
  );
});
