/**
 * Two real server processes (server/dist/main.js on two ports) and a sync worker on one database and one
 * S3 image store (s3rver), as the compose `scale` profile runs them (with MinIO): an artwork added through replica A is found by
 * image search on replica B within about a second (NOTIFY + change log); a session made on A works on B
 * and ends on both; the search budget of one client is shared; a "sync now" asked on B is picked up by
 * the worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createTestDatabase } from '@waifudex/core/testing/test-db';
import { startS3TestServer, type S3TestServer } from '@waifudex/core/testing/s3-test-server';
import { createS3ImageStore } from '@waifudex/core/storage/s3-image-store';
import { requireBuilt } from '@waifudex/core/testing/require-build';
import { freePort } from './testing/free-port.js';

const serverMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const workerMain = fileURLToPath(new URL('../../scraper/dist/main.js', import.meta.url));
requireBuilt(serverMain, workerMain);

const PASSWORD = 'replica horse battery';

interface Proc {
  child: ChildProcess;
  output: string[];
}

function start(main: string, args: string[], env: Record<string, string>, cwd: string): Proc {
  const child = spawn(process.execPath, [main, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return { child, output };
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeoutMs: number,
  proc?: Proc,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (proc && proc.child.exitCode !== null)
      throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${proc.output.join('').slice(-2000)}`);
    if (Date.now() > until) throw new Error(`${what}: timed out\n${proc?.output.join('').slice(-2000) ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
    p.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    p.child.kill('SIGTERM');
  });
}

describe('two server replicas and a worker on one database', () => {
  let dbUrl: string;
  let drop: () => Promise<void>;
  let work: string;
  let a: Proc | undefined;
  let b: Proc | undefined;
  let worker: Proc | undefined;
  let urlA: string;
  let urlB: string;
  let db: pg.Pool;
  let s3: S3TestServer;

  beforeAll(async () => {
    s3 = await startS3TestServer();
    ({ url: dbUrl, drop } = await createTestDatabase());
    db = new pg.Pool({ connectionString: dbUrl, max: 2 });
    // pool.end() resolves before its clients' sockets are closed, and the DROP … WITH (FORCE) of the
    // tear-down then ends their sessions: that error of an idle client must not become an unhandled one
    db.on('error', () => undefined);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-replicas-'));
    const env = {
      DATABASE_URL: dbUrl,
      DATA_DIR: path.join(work, 'data'),
      IMAGES_DIR: path.join(work, 'images'),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      EMBEDDED_WORKER: 'false',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: PASSWORD,
      TRUST_PROXY: '1',
      SEARCH_RATE_LIMIT: '4',
      IMAGES_STORE: 's3://waifudex-test/replicas',
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const [pa, pb] = [await freePort(), await freePort()];
    urlA = `http://127.0.0.1:${pa}`;
    urlB = `http://127.0.0.1:${pb}`;
    a = start(serverMain, [], { ...env, PORT: String(pa) }, work);
    b = start(serverMain, [], { ...env, PORT: String(pb) }, work);
    worker = start(workerMain, ['worker', '--no-initial-sync'], env, work);
    await waitFor('replica A healthy', async () => (await fetch(`${urlA}/api/health`)).ok, 90_000, a);
    await waitFor('replica B healthy', async () => (await fetch(`${urlB}/api/health`)).ok, 90_000, b);
  }, 200_000);

  afterAll(async () => {
    await Promise.all([stop(a), stop(b), stop(worker)]);
    await db?.end();
    await drop?.();
    await s3?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  async function login(url: string) {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = /wdx_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
    const me = await (await fetch(`${url}/api/v1/auth/me`, { headers: { cookie } })).json();
    return { cookie, csrf: me.csrf_token as string };
  }

  /** An image search from one client address (X-Forwarded-For: the replicas trust one proxy hop). */
  function searchOn(url: string, bytes: Buffer, address: string) {
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'q.jpg');
    return fetch(`${url}/api/v1/search/image`, { method: 'POST', body: form, headers: { 'x-forwarded-for': address } });
  }

  it('an artwork added on A is found by image search on B within about a second', async () => {
    const s = await login(urlA);
    const bytes = await generateDemoImage(7, 'replica');
    // B's index is loaded (it builds in the background: 503 warming_up until then) and does not know the picture yet
    let first = await searchOn(urlB, bytes, '198.51.100.1');
    for (let i = 0; first.status === 503 && i < 150; i++) {
      await new Promise((r) => setTimeout(r, 200));
      first = await searchOn(urlB, bytes, `198.51.101.${i + 1}`); // its own address: no search budget used up
    }
    const before = await first.json();
    expect(before.matches.filter((m: { stage: string }) => m.stage === 'exact')).toEqual([]);

    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'new.jpg');
    form.set('caption', 'Name: Replica Girl\nAnime: Scale Out');
    const added = await fetch(`${urlA}/api/v1/admin/characters`, {
      method: 'POST',
      body: form,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(added.status).toBe(201);
    const t0 = performance.now();
    let n = 0;
    let asked = t0;
    const found = await waitFor(
      'B finds it',
      async () => {
        // a fresh address per poll: this checks the index, not the rate limit
        const sent = performance.now();
        const r = await (await searchOn(urlB, bytes, `198.51.101.${++n}`)).json();
        if (r.matches?.[0]?.stage !== 'exact') return null;
        asked = sent;
        return r;
      },
      10_000,
      b,
    );
    // until the search that found it was sent: the time B's search itself takes on a loaded box is not the index's
    const ms = asked - t0;
    console.log(
      `[replicas] artwork added on A: the search that found it on B was sent ${Math.round(ms)} ms later (${n} searches)`,
    );
    expect(found.matches[0].character.name).toBe('Replica Girl');
    // the files went to the shared bucket, not to a replica's disk, and B serves them from there
    const keys: string[] = [];
    for await (const o of createS3ImageStore(s3.config('replicas')).list('originals/')) keys.push(o.key);
    expect(keys).toHaveLength(1);
    expect(fs.existsSync(path.join(work, 'images', 'originals'))).toBe(false);
    const thumb = await fetch(`${urlB}${found.matches[0].artwork.thumb_url}`, { redirect: 'manual' });
    expect(thumb.status).toBe(302);
    expect(thumb.headers.get('location')!.startsWith(`${s3.endpoint}/waifudex-test/replicas/thumbs/`)).toBe(true);
    expect(ms).toBeLessThan(3000); // about 1 s: the change was notified; the poll fallback runs every 30 s
  }, 60_000);

  it('a session made on A works on B, and logging out on B ends it on A', async () => {
    const s = await login(urlA);
    const onB = await fetch(`${urlB}/api/v1/auth/me`, { headers: { cookie: s.cookie } });
    expect(onB.status).toBe(200);
    expect((await onB.json()).csrf_token).toBe(s.csrf);
    const out = await fetch(`${urlB}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(204);
    expect((await fetch(`${urlA}/api/v1/auth/me`, { headers: { cookie: s.cookie } })).status).toBe(401);
  }, 30_000);

  it('one client has one search budget across both replicas', async () => {
    const bytes = await generateDemoImage(9, 'budget');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await searchOn(i % 2 ? urlB : urlA, bytes, '203.0.113.77')).status);
    // SEARCH_RATE_LIMIT=4 per minute, counted in the database: alternating replicas does not double it
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect((await searchOn(urlA, bytes, '203.0.113.78')).status).toBe(200);
  }, 60_000);

  it('"sync now" asked on B is picked up by the one worker', async () => {
    // the route refuses a sync that cannot run (409): give it a session and a Telegram channel to sync
    await db.query(
      `INSERT INTO telegram_session (id, encrypted, status) VALUES (1, 'not-a-real-session', 'ok') ON CONFLICT (id) DO NOTHING`,
    );
    await db.query(
      `INSERT INTO channels (title, username, source) VALUES ('Replica channel', 'replica_channel', 'telegram')`,
    );
    const s = await login(urlB);
    const res = await fetch(`${urlB}/api/v1/admin/sync`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBeLessThan(300);
    // Telegram is not configured here: the worker finishes the request with the reason
    const done = await waitFor(
      'the worker finishes the request',
      async () => {
        const r = await db.query('SELECT picked_at, finished_at, error FROM sync_requests ORDER BY id DESC LIMIT 1');
        return r.rows[0]?.finished_at ? r.rows[0] : null;
      },
      30_000,
      worker,
    );
    expect(done.picked_at).not.toBeNull();
    expect(done.error).toBeTruthy();
    expect(worker!.child.exitCode).toBeNull();
  }, 60_000);
});
