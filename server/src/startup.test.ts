import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBuilt } from '@waifudex/core/testing/require-build';

// Runs the built server as a user would start it (npm test builds first).
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function start(env: Record<string, string>) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-start-')); // no .env here
  return spawnSync(process.execPath, [main], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

requireBuilt(main);

describe('server start-up errors', () => {
  it('stops with one clear line naming a malformed variable', () => {
    const r = start({ PORT: 'http' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: Invalid configuration: PORT /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails fast on an unreachable DATABASE_URL, naming the host but not the password', () => {
    const started = Date.now();
    const r = start({ DATABASE_URL: 'postgres://app:topsecret@127.0.0.1:9/gallery' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach PostgreSQL at 127\.0\.0\.1:9\/gallery/);
    expect(r.stderr).not.toContain('topsecret');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
