/**
 * The embedded database is single-process: the running server owns it and a CLI command started meanwhile
 * must work through the server's socket (not open the folder a second time). Runs the built programs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const serverMain = path.join(repo, 'server/dist/main.js');
const scraperMain = path.join(repo, 'scraper/dist/main.js');
const built = fs.existsSync(serverMain) && fs.existsSync(scraperMain);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!built)('embedded database shared by the server and the CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-share-'));
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: path.join(dir, 'data'), IMAGES_DIR: path.join(dir, 'images'), LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports with a CLI command while the server runs, and the server sees the rows at once', async () => {
    const port = await freePort();
    server = spawn(process.execPath, [serverMain], { cwd: dir, env: { ...env, PORT: String(port) }, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    let health: any = null;
    for (let i = 0; i < 120 && !health; i++) {
      await new Promise((r) => setTimeout(r, 250));
      health = await fetch(`${base}/api/health`).then((r) => r.json(), () => null);
    }
    expect(health).toEqual({ status: 'ok' }); // the public health answer carries no details
    expect((await (await fetch(`${base}/api/v1/characters`)).json()).total).toBe(0);

    const seed = spawnSync(process.execPath, [scraperMain, 'seed-demo', '6'], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
    expect(seed.status, seed.stderr).toBe(0);
    expect(seed.stdout).toMatch(/demo data: \{"created":\d+\}/);
    const created = Number(/"created":(\d+)/.exec(seed.stdout)![1]);

    const list = await (await fetch(`${base}/api/v1/characters?per_page=100`)).json();
    expect(list.total).toBe(created);
    // the CLI connected through the owner's socket; the lock still names the server
    expect(fs.readFileSync(path.join(env.DATA_DIR, 'pglite.lock'), 'utf8').trim()).toBe(String(server.pid));
  });
});
