/** `npm run migrate` as spawned: a bad command line exits 2 with the usage before the database is opened. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBuilt } from '../testing/require-build.js';
import { runCli, startConnectionCounter, type ConnectionCounter } from '../testing/cli-run.js';

const cli = fileURLToPath(new URL('../../dist/db/migrate-cli.js', import.meta.url));
requireBuilt(cli);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-migrate-cli-'));
let db: ConnectionCounter;

beforeAll(async () => {
  db = await startConnectionCounter();
});
afterAll(async () => {
  await db.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const run = (args: string[]) => runCli(cli, args, { cwd: work, env: { DATABASE_URL: db.url, DATA_DIR: work } });

it.each([[['sideways']], [['down', 'x']], [['down', '2', '3']], [['up', '0']]])(
  '%j: exit code 2, the usage, no connection',
  async (args) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: (unknown direction|bad arguments)/),
      expect.stringMatching(/^usage: /),
    ]);
    expect(db.connections()).toBe(0);
  },
  30_000,
);

it('--help prints the usage and exits 0', async () => {
  const r = await run(['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^usage: .*\[up \| down \[N\]\]/);
  expect(db.connections()).toBe(0);
});

it('a command line that parses does connect (the listener sees it)', async () => {
  const r = await run(['up']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: Cannot reach PostgreSQL/);
  expect(db.connections()).toBeGreaterThan(0);
}, 30_000);
