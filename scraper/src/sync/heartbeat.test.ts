import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHeartbeat, HEARTBEAT_FILE, HEARTBEAT_MAX_AGE_MS, heartbeatProblem } from './heartbeat.js';

describe('worker heartbeat file', () => {
  let dir = '';
  let file = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-heartbeat-'));
    file = path.join(dir, HEARTBEAT_FILE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a beat writes the file atomically (no temp file left) with the pid and time', () => {
    createHeartbeat(file, { now: () => Date.parse('2026-01-02T03:04:05Z') })();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ pid: process.pid, at: '2026-01-02T03:04:05.000Z' });
    expect(fs.readdirSync(dir)).toEqual([HEARTBEAT_FILE]);
  });

  test('beats closer than the interval are skipped, so a 3 s poll does not rewrite the file each time', () => {
    let t = 1_000_000;
    const beat = createHeartbeat(file, { minIntervalMs: 10_000, now: () => t });
    beat();
    const first = fs.readFileSync(file, 'utf8');
    t += 3_000;
    beat();
    expect(fs.readFileSync(file, 'utf8')).toBe(first);
    t += 10_000;
    beat();
    expect(fs.readFileSync(file, 'utf8')).not.toBe(first);
  });

  test('a folder that cannot be written does not throw (the check reports the missing file instead)', () => {
    const beat = createHeartbeat(path.join(dir, 'no-such-folder', HEARTBEAT_FILE));
    expect(() => beat()).not.toThrow();
  });

  test('missing, fresh and stale files', () => {
    expect(heartbeatProblem(file)).toMatch(/no worker heartbeat at .*worker\.heartbeat/);
    createHeartbeat(file)();
    expect(heartbeatProblem(file)).toBeNull();
    const old = new Date(Date.now() - HEARTBEAT_MAX_AGE_MS - 5_000);
    fs.utimesSync(file, old, old);
    expect(heartbeatProblem(file)).toMatch(/worker heartbeat is 12[5-9] s old \(limit 120 s\)/);
    expect(heartbeatProblem(file, HEARTBEAT_MAX_AGE_MS * 2)).toBeNull();
  });

  test('run as a script (the HEALTHCHECK), it exits 0 on a fresh file and 1 with one line otherwise', () => {
    const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/sync/heartbeat.js');
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
    const missing = run({ DATA_DIR: dir });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    createHeartbeat(file)();
    expect(run({ DATA_DIR: dir }).status).toBe(0);
    const bad = run({ DATA_DIR: dir, PORT: 'not-a-port' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^Invalid configuration: PORT/);
  });
});
