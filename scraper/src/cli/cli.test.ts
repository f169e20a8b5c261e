/**
 * The scraper's command line as an operator meets it (the built CLI, spawned): `--help` for every command,
 * usage mistakes ending in one error line, the usage and exit code 2, all before any database is touched
 * (DATABASE_URL points at a listener that counts connections; a real command does connect to it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBuilt } from '@waifudex/core/testing/require-build';
import { runCli, startConnectionCounter, type ConnectionCounter } from '@waifudex/core/testing/cli-run';
import { commands, type CommandName } from './commands.js';
import { parseCommandLine, UsageError } from './parse.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
requireBuilt(main);
const names = Object.keys(commands) as CommandName[];

describe('scraper command line', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-cli-'));
  const dataDir = path.join(work, 'data');
  let db: ConnectionCounter;
  const connections = () => db.connections();

  // no .env in `work`; DATA_DIR stays empty unless an embedded database were started
  const cli = (args: string[]) =>
    runCli(main, args, { cwd: work, env: { DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });

  beforeAll(async () => {
    fs.mkdirSync(dataDir);
    db = await startConnectionCounter();
  });
  afterAll(async () => {
    await db.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('--help of the program lists every command; no command prints the same', async () => {
    for (const args of [['--help'], [], ['help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: npm run scraper -- <command> \[options\]/);
      for (const name of names) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(connections()).toBe(0);
  }, 60_000);

  it('every command has --help (and `help <command>`), exit code 0', async () => {
    const runs = await Promise.all(names.map((name) => cli([name, '--help'])));
    for (const [i, r] of runs.entries()) {
      expect(r.code, names[i]).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: npm run scraper -- ${names[i]} `));
      expect(r.stdout).toMatch(/-h, --help/);
    }
    const viaHelp = await cli(['help', 'storage-migrate']);
    expect(viaHelp.stdout).toMatch(/--from <store>.*\(choices: "local", "s3"\)/);
    expect(connections()).toBe(0);
    expect(fs.readdirSync(dataDir)).toEqual([]); // no embedded database started either
  }, 120_000);

  it.each([
    [['reindex', '--bogus'], /^error: unknown option '--bogus'$/, 'reindex'],
    [['bogus'], /^error: unknown command 'bogus'$/, '<command>'],
    [
      ['sync', '--limit', 'x'],
      /^error: option '--limit <n>' argument 'x' is invalid\. must be a whole number ≥ 1$/,
      'sync',
    ],
    [
      ['import-dir', '.', '--concurrency', '99'],
      /argument '99' is invalid\. must be a whole number from 1 to 8$/,
      'import-dir',
    ],
    [['import-dir'], /^error: missing required argument 'dir'$/, 'import-dir'],
    [
      ['storage-migrate', '--from', 'ftp', '--to', 's3'],
      /argument 'ftp' is invalid\. Allowed choices are local, s3\.$/,
      'storage-migrate',
    ],
    [['login', '--status', '--logout'], /^error: option '--status' cannot be used with option '--logout'$/, 'login'],
    [['admin', 'delete-everything'], /value 'delete-everything' is invalid for argument 'action'/, 'admin'],
    [['reparse', '--channel', 'x; drop'], /argument 'x; drop' is invalid\. must be a numeric id$/, 'reparse'],
    [['worker', 'now'], /^error: too many arguments for 'worker'/, 'worker'],
  ])(
    '%j: one error line, the usage, exit code 2, no database',
    async (args, error, usageOf) => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2); // no stack trace
      expect(lines[0]).toMatch(error);
      expect(lines[1]).toMatch(new RegExp(`^usage: npm run scraper -- ${usageOf} `));
      expect(connections()).toBe(0);
    },
    60_000,
  );

  it('a command line that parses does open the database (the listener sees it)', async () => {
    const r = await cli(['reindex']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Cannot reach PostgreSQL/);
    expect(connections()).toBeGreaterThan(0);
  }, 60_000);
});

describe('parseCommandLine', () => {
  it('gives typed, validated values', () => {
    const exp = parseCommandLine('import-export', [
      'out',
      '--chat',
      'A',
      '--chat',
      'B C',
      '--channel-id',
      '-1001234567890',
    ]);
    expect(exp).toEqual({ args: ['out'], opts: { chat: ['A', 'B C'], channelId: '1234567890' } });
    expect(parseCommandLine('worker', []).opts).toEqual({ initialSync: true });
    expect(parseCommandLine('worker', ['--no-initial-sync']).opts).toEqual({ initialSync: false });
    expect(parseCommandLine('seed-demo', []).args).toEqual([36]);
    expect(parseCommandLine('storage-migrate', ['--from', 's3', '--to', 'local']).opts).toEqual({
      from: 's3',
      to: 'local',
      concurrency: 4,
    });
  });

  it('throws a UsageError (exit code 2) without writing anything', () => {
    const thrown = (() => {
      try {
        parseCommandLine('embed', ['--limit', '0']);
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(UsageError);
    expect(thrown).toMatchObject({
      exitCode: 2,
      message: "option '--limit <n>' argument '0' is invalid. must be a whole number ≥ 1",
    });
  });
});
