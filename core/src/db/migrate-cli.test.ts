/** `npm run migrate` as spawned: a bad command line exits 2 with the usage before the database is opened. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/db/migrate-cli.js', import.meta.url));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-migrate-cli-'));
let connections = 0;
let listener: net.Server;
let port = 0;

beforeAll(async () => {
  if (!fs.existsSync(cli)) throw new Error('core/dist/db/migrate-cli.js is missing: run `npm run build` first');
  listener = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
  fs.rmSync(work, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI (not spawnSync: the listener in this process must be able to accept meanwhile). */
const run = (args: string[]) =>
  new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/x`, DATA_DIR: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });

it.each([[['sideways']], [['down', 'x']], [['down', '2', '3']], [['up', '0']]])(
  '%j: exit code 2, the usage, no connection',
  async (args) => {
    const r = await run(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: (unknown direction|bad arguments)/),
      expect.stringMatching(/^usage: /),
    ]);
    expect(connections).toBe(0);
  },
  30_000,
);

it('--help prints the usage and exits 0', async () => {
  const r = await run(['--help']);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^usage: .*\[up \| down \[N\]\]/);
  expect(connections).toBe(0);
});

it('a command line that parses does connect (the listener sees it)', async () => {
  const r = await run(['up']);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^error: Cannot reach PostgreSQL/);
  expect(connections).toBeGreaterThan(0);
}, 30_000);
