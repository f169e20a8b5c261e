/**
 * The embedded database under the load it really gets: the built server answering browse and admin
 * requests while two CLI importers (import-dir, import-export) and a Telegram sync (the fake source, with
 * its own pool, as the embedded worker has) write at once, all on one DATA_DIR. Zero errors, no request
 * answered with another client's rows (a never-issued session cookie stays unauthenticated), and the
 * final gallery equals a sequential run of the same work.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '@waifudex/core/db/database';
import { clusterPaths, livePostmaster } from '@waifudex/core/db/embedded-cluster';
import { createLogger } from '@waifudex/core/logger';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { sweepOrphanFiles } from '@waifudex/core/services/image-orphans.service';
import { requireBuilt } from '@waifudex/core/testing/require-build';
import { useThrowawayClusters } from '@waifudex/core/testing/throwaway-clusters';
import { FakeSource, photo } from './telegram/fake-source.js';
import { resolveTargets, syncTelegramChannel } from './sync/telegram-sync.js';
import { throwawayClusterEnv } from './testing/throwaway-cluster-env.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const serverMain = path.join(repo, 'server/dist/main.js');
const scraperMain = path.join(repo, 'scraper/dist/main.js');
const GALLERY = path.join(repo, '../shared/images/gallery');
requireBuilt(serverMain, scraperMain);
const ready = fs.existsSync(GALLERY);
if (!ready) console.warn('[embedded-concurrency.test] SKIPPED: needs ../shared/images/gallery');

// Only clients are killed here, never PostgreSQL: the clusters (started here or by the built processes)
// need not wait for the disk.
useThrowawayClusters();
const fast = throwawayClusterEnv();
const logger = createLogger('silent');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-conc-'));
fs.chmodSync(root, 0o755); // reachable by the postgres account when the tests run as root

afterAll(() => {
  for (const name of ['concurrent', 'sequential']) {
    const pid = livePostmaster(clusterPaths(path.join(root, name, 'data')));
    if (pid) process.kill(pid, 'SIGQUIT');
  }
  fs.rmSync(root, { recursive: true, force: true });
});

interface Work {
  dirImages: string;
  exportDir: string;
  telegram: { id: number; text: string; bytes: Buffer }[];
}

let built: Work | undefined;

/** Three disjoint slices of the shared gallery: a folder with sidecars, a Desktop export, a channel. */
function buildWork(): Work {
  built ??= writeWork();
  return built;
}

function writeWork(): Work {
  const files = fs
    .readdirSync(GALLERY)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const pick = (from: number, n: number) => files.slice(from, from + n);
  const caption = (f: string) => fs.readFileSync(path.join(GALLERY, f.replace(/\.jpg$/, '.txt')), 'utf8').trim();
  const dirImages = path.join(root, 'input-dir');
  fs.mkdirSync(dirImages);
  for (const f of pick(0, 40)) {
    fs.copyFileSync(path.join(GALLERY, f), path.join(dirImages, f));
    fs.writeFileSync(path.join(dirImages, f.replace(/\.jpg$/, '.txt')), caption(f));
  }
  const exportDir = path.join(root, 'input-export');
  fs.mkdirSync(path.join(exportDir, 'photos'), { recursive: true });
  const messages = pick(40, 30).map((f, i) => {
    const t = 1_700_000_000 + i * 60;
    fs.copyFileSync(path.join(GALLERY, f), path.join(exportDir, 'photos', `photo_${i + 1}.jpg`));
    const text = caption(f);
    return {
      id: i + 1,
      type: 'message',
      date: new Date(t * 1000).toISOString().slice(0, 19),
      date_unixtime: String(t),
      from: 'Cards',
      from_id: 'channel1900000001',
      photo: `photos/photo_${i + 1}.jpg`,
      width: 512,
      height: 512,
      text,
      text_entities: [{ type: 'plain', text }],
    };
  });
  fs.writeFileSync(
    path.join(exportDir, 'result.json'),
    JSON.stringify({ name: 'Cards', type: 'public_channel', id: 1900000001, messages }),
  );
  const telegram = pick(70, 30).map((f, i) => ({
    id: i + 1,
    text: caption(f),
    bytes: fs.readFileSync(path.join(GALLERY, f)),
  }));
  return { dirImages, exportDir, telegram };
}

function cli(dataDir: string, imagesDir: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [scraperMain, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...fast, DATA_DIR: dataDir, IMAGES_DIR: imagesDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function telegramSync(dataDir: string, imagesDir: string, work: Work): Promise<void> {
  const db = await openDatabase({ dataDir, logger });
  try {
    const ingest = createIngestService({ db, imagesDir, logger });
    const apply = createSyncApplyService({
      db,
      parse: (c, ch, e) => ingest.parse(c, ch, e),
      normalize: normalizeForSearch,
    });
    const source = new FakeSource({ peerId: '1900000002', username: 'cardsfeed', title: 'Cards feed' });
    for (const m of work.telegram) source.add({ id: m.id, text: m.text, media: photo(m.id), bytes: m.bytes });
    const deps = { db, ingest, apply, logger, sleep: async () => undefined, source };
    const { targets } = await resolveTargets(deps, ['@cardsfeed']);
    const r = await syncTelegramChannel(deps, targets[0]!, {
      batchSize: 5,
      concurrency: 3,
      recheckDays: 0,
      publishIntervalMs: 0,
    });
    expect(r.status).toBe('ok');
  } finally {
    await db.close();
  }
}

/** The gallery as a user sees it, independent of insertion order and ids. */
async function gallery(db: Db, imagesDir: string): Promise<string[]> {
  const r = await db.query<{ name: string; anime: string; rarity: string; sha256: string; file_path: string }>(
    `SELECT c.name, coalesce(c.anime, '') AS anime, coalesce(c.rarity, '') AS rarity, a.sha256, a.file_path
       FROM artworks a JOIN characters c ON c.id = a.character_id`,
  );
  for (const row of r.rows) {
    const sha = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(imagesDir, row.file_path)))
      .digest('hex');
    expect(sha, row.file_path).toBe(row.sha256);
  }
  return r.rows.map((x) => `${x.sha256} ${x.name} | ${x.anime} | ${x.rarity}`).sort();
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!ready)('embedded database: server, two importers and a sync at once', () => {
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
  });

  it('loses nothing, mixes up nothing, and ends where a sequential run ends', { timeout: 300_000 }, async () => {
    const work = buildWork();
    const conc = { data: path.join(root, 'concurrent', 'data'), images: path.join(root, 'concurrent', 'images') };
    const port = await freePort();
    server = spawn(process.execPath, [serverMain], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...fast,
        DATA_DIR: conc.data,
        IMAGES_DIR: conc.images,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PASSWORD: 'correct horse battery staple',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let serverErr = '';
    server.stderr!.on('data', (d) => (serverErr += d));
    const base = `http://127.0.0.1:${port}`;
    let up = false;
    for (let i = 0; i < 240 && !up; i++) {
      await new Promise((r) => setTimeout(r, 250));
      up = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
    }
    expect(up, serverErr).toBe(true);

    let writersDone = false;
    const browse = { requests: 0, failures: [] as string[] };
    const browser = (async () => {
      while (!writersDone) {
        const cookie = `wdx_session=${crypto.randomBytes(20).toString('hex')}`;
        const [list, me, patch] = await Promise.all([
          fetch(`${base}/api/v1/characters?per_page=24&q=a`),
          fetch(`${base}/api/v1/auth/me`, { headers: { cookie } }),
          fetch(`${base}/api/v1/admin/characters/1`, {
            method: 'PATCH',
            headers: { cookie, 'content-type': 'application/json' },
            body: '{"hidden":true}',
          }),
        ]);
        browse.requests += 3;
        if (list.status !== 200) browse.failures.push(`list ${list.status}`);
        if (me.status !== 401) browse.failures.push(`me with a random cookie ${me.status}`);
        if (patch.status !== 401 && patch.status !== 403)
          browse.failures.push(`patch with a random cookie ${patch.status}`);
        await Promise.all([list.arrayBuffer(), me.arrayBuffer(), patch.arrayBuffer()]);
      }
    })();
    const [a, b] = await Promise.all([
      cli(conc.data, conc.images, ['import-dir', work.dirImages]),
      cli(conc.data, conc.images, ['import-export', work.exportDir]),
      telegramSync(conc.data, conc.images, work),
    ]).finally(() => {
      writersDone = true;
    });
    await browser;
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(browse.failures).toEqual([]);
    expect(browse.requests).toBeGreaterThan(0);

    // A second server on the same DATA_DIR becomes another client of the same database; on a port that
    // is taken it stops with one clear line.
    const port2 = await freePort();
    const second = spawn(process.execPath, [serverMain], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...fast,
        DATA_DIR: conc.data,
        IMAGES_DIR: conc.images,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port2),
      },
      stdio: 'ignore',
    });
    try {
      let total: number | null = null;
      for (let i = 0; i < 240 && total === null; i++) {
        await new Promise((r) => setTimeout(r, 250));
        total = await fetch(`http://127.0.0.1:${port2}/api/v1/characters?per_page=1`).then(
          (r) => (r.ok ? r.json().then((j: { total: number }) => j.total) : null),
          () => null,
        );
      }
      const first = (await (await fetch(`${base}/api/v1/characters?per_page=1`)).json()) as { total: number };
      expect(total).toBe(first.total);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
    const clash = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [serverMain], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          ...fast,
          DATA_DIR: conc.data,
          IMAGES_DIR: conc.images,
          LOG_LEVEL: 'warn',
          HOST: '127.0.0.1',
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      c.stderr!.on('data', (d) => (out += d));
      c.on('close', (code) => resolve({ code, out }));
    });
    expect(clash.code).toBe(1);
    expect(clash.out).toMatch(/EADDRINUSE|in use/);
    expect((await fetch(`${base}/api/health`)).status).toBe(200); // the first server is unharmed

    const seq = { data: path.join(root, 'sequential', 'data'), images: path.join(root, 'sequential', 'images') };
    expect((await cli(seq.data, seq.images, ['import-dir', work.dirImages])).code).toBe(0);
    expect((await cli(seq.data, seq.images, ['import-export', work.exportDir])).code).toBe(0);
    await telegramSync(seq.data, seq.images, work);

    const dbC = await openDatabase({ dataDir: conc.data, logger });
    const dbS = await openDatabase({ dataDir: seq.data, logger });
    try {
      const concurrent = await gallery(dbC, conc.images);
      const sequential = await gallery(dbS, seq.images);
      expect(concurrent.length).toBe(100);
      expect(concurrent).toEqual(sequential);
      const hidden = await dbC.query('SELECT count(*)::int AS n FROM characters WHERE hidden');
      expect(hidden.rows[0].n).toBe(0); // no random-cookie PATCH landed
      const orphans = fs.readdirSync(conc.images, { recursive: true }).filter((f) => String(f).includes('.tmp'));
      expect(orphans).toEqual([]);
    } finally {
      await dbC.close();
      await dbS.close();
    }
    expect(livePostmaster(clusterPaths(seq.data))).toBeNull(); // the last one out stopped it
  });

  it(
    'kill -9 of the importer that started the database, then a re-run: nothing lost, nothing doubled, no orphan file',
    { timeout: 300_000 },
    async () => {
      const work = buildWork();
      const k = { data: path.join(root, 'killed', 'data'), images: path.join(root, 'killed', 'images') };
      const child = spawn(process.execPath, [scraperMain, 'import-dir', work.dirImages], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...fast, DATA_DIR: k.data, IMAGES_DIR: k.images, LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      // listened to from the start: a child that ended before the kill has already sent its 'close'
      const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
      let exitedEarly = false;
      void closed.then(() => (exitedEarly = true));
      const watcher = await (async () => {
        for (;;) {
          try {
            return await openDatabase({ dataDir: k.data, logger });
          } catch {
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      })();
      try {
        let committed = 0;
        for (let i = 0; i < 1200 && committed < 8; i++) {
          await new Promise((r) => setTimeout(r, 50));
          committed = await watcher.query('SELECT count(*)::int AS n FROM artworks').then(
            (r) => r.rows[0].n,
            () => 0,
          );
        }
        const beforeKill = exitedEarly;
        child.kill('SIGKILL');
        await closed;
        expect(beforeKill, 'the importer finished before it could be killed mid-import').toBe(false);
        const atKill = (await watcher.query('SELECT count(*)::int AS n FROM artworks')).rows[0].n;
        expect(atKill).toBeGreaterThanOrEqual(committed);
        expect(atKill).toBeLessThan(40); // killed mid-import
        const again = await cli(k.data, k.images, ['import-dir', work.dirImages]);
        expect(again.code, again.stderr).toBe(0);
        const rows = await watcher.query<{ n: number; shas: number }>(
          'SELECT count(*)::int AS n, count(DISTINCT sha256)::int AS shas FROM artworks',
        );
        expect(rows.rows[0]).toEqual({ n: 40, shas: 40 });
        expect((await gallery(watcher, k.images)).length).toBe(40); // every file matches its row
        await sweepOrphanFiles(watcher, k.images, 0);
        const files = fs
          .readdirSync(path.join(k.images, 'originals'), { recursive: true })
          .filter((f) => /\.\w+$/.test(String(f)));
        expect(files.length).toBe(40);
      } finally {
        await watcher.close();
      }
    },
  );
});
