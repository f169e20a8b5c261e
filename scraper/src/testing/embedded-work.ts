/**
 * The work of the embedded-database load tests (embedded-concurrency.test.ts, and its stress version
 * embedded-concurrency.stress.test.ts): three disjoint slices of the shared gallery (a folder with
 * sidecars, a Desktop export, a channel), the built CLI and a Telegram sync that write them, and the
 * gallery as a user sees it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { freePort } from '../../../server/src/testing/free-port.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { openDatabase, type Db } from '@waifudex/core/db/database';
import { createLogger } from '@waifudex/core/logger';
import { createIngestService } from '@waifudex/core/services/ingest.service';
import { createSyncApplyService } from '@waifudex/core/services/sync-apply.service';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { clusterPaths, livePostmaster } from '@waifudex/core/db/embedded-cluster';
import { requireBuilt } from '@waifudex/core/testing/require-build';
import { useThrowawayClusters } from '@waifudex/core/testing/throwaway-clusters';
import { FakeSource, photo } from '../telegram/fake-source.js';
import { resolveTargets, syncTelegramChannel } from '../sync/telegram-sync.js';
import { throwawayClusterEnv } from './throwaway-cluster-env.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const scraperMain = path.join(repo, 'scraper/dist/main.js');
const serverMain = path.join(repo, 'server/dist/main.js');
const GALLERY = path.join(repo, '../shared/images/gallery');
export const hasGallery = fs.existsSync(GALLERY);
const logger = createLogger('silent');

/**
 * Set-up of a load-test file: the built server and CLI must be there, the clusters it starts are throwaway
 * (only clients are killed in these tests, never PostgreSQL, so no disk waits), and its folder is reachable
 * by the postgres account when the tests run as root. At the end the clusters still up under
 * `<folder>/<name>/data` are stopped and the folder removed. Returns the folder.
 */
export function loadTestFolder(file: string, clusters: string[]): string {
  requireBuilt(serverMain, scraperMain);
  if (!hasGallery) console.warn(`[${file}] SKIPPED: needs ../shared/images/gallery`);
  useThrowawayClusters();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-conc-'));
  fs.chmodSync(root, 0o755);
  afterAll(() => {
    for (const name of clusters) {
      const pid = livePostmaster(clusterPaths(path.join(root, name, 'data')));
      if (pid) process.kill(pid, 'SIGQUIT');
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
  return root;
}

/** Stops a spawned server that is still running and waits for its exit. */
export async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null) return;
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

/** Environment of a spawned built server or CLI: only PATH, throwaway clusters, and `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', ...throwawayClusterEnv(), LOG_LEVEL: 'warn', ...extra };
}

export interface Work {
  dirImages: string;
  exportDir: string;
  telegram: { id: number; text: string; bytes: Buffer }[];
}

/** Writes the three slices under `root`: 40 pictures with sidecars, a 30-post export, 30 channel posts. */
export function writeWork(root: string): Work {
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

/** Runs the built CLI on DATA_DIR/IMAGES_DIR; resolves with its exit code and stderr. */
export function cli(
  root: string,
  dataDir: string,
  imagesDir: string,
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [scraperMain, ...args], {
      cwd: root,
      env: childEnv({ DATA_DIR: dataDir, IMAGES_DIR: imagesDir }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** A Telegram sync of the channel slice in this process, with its own pool, as the embedded worker has. */
export async function telegramSync(dataDir: string, imagesDir: string, work: Work): Promise<void> {
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

/** The gallery as a user sees it, independent of insertion order and ids; every file matches its row. */
export async function gallery(db: Db, imagesDir: string): Promise<string[]> {
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

export { freePort };

/** Spawns the built server on DATA_DIR/IMAGES_DIR and 127.0.0.1:`port`. */
export function spawnServer(
  root: string,
  dirs: { data: string; images: string },
  port: number,
  extra: Record<string, string> = {},
  stdio: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  return spawn(process.execPath, [serverMain], {
    cwd: root,
    env: childEnv({ DATA_DIR: dirs.data, IMAGES_DIR: dirs.images, HOST: '127.0.0.1', PORT: String(port), ...extra }),
    stdio: ['ignore', stdio, 'pipe'],
  });
}

/**
 * The load the embedded database really gets: the built server answering browse and admin requests (with
 * never-issued session cookies) while two CLI importers (import-dir, import-export) and a Telegram sync
 * write the work at once, all on one DATA_DIR. Resolves when the writers are done, every one with success
 * and every request with its expected answer; the server keeps running.
 */
export async function concurrentLoad(
  root: string,
  dirs: { data: string; images: string },
  work: Work,
): Promise<{ server: ChildProcess; base: string; port: number }> {
  const port = await freePort();
  const server = spawnServer(root, dirs, port, { ADMIN_PASSWORD: 'correct horse battery staple' });
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
    cli(root, dirs.data, dirs.images, ['import-dir', work.dirImages]),
    cli(root, dirs.data, dirs.images, ['import-export', work.exportDir]),
    telegramSync(dirs.data, dirs.images, work),
  ]).finally(() => {
    writersDone = true;
  });
  await browser;
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  expect(browse.failures).toEqual([]);
  expect(browse.requests).toBeGreaterThan(0);
  return { server, base, port };
}
