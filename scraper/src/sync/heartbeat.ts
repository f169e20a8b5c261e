/**
 * The sync worker's liveness file, DATA_DIR/worker.heartbeat. The worker touches it after each
 * successful poll of sync requests (every few seconds: its event loop runs and the database answers).
 * Dockerfile.scraper's HEALTHCHECK runs this module, which exits 0 while the file is fresh and
 * otherwise prints one line saying how stale it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@waifudex/core/config/env';

export const HEARTBEAT_FILE = 'worker.heartbeat';
/** Older than this, the worker counts as wedged (polls run every 3 s; writes at most every 10 s). */
export const HEARTBEAT_MAX_AGE_MS = 120_000;

/** Returns a beat function: rewrites `file` atomically, at most once per `minIntervalMs`. */
export function createHeartbeat(file: string, opts: { minIntervalMs?: number; now?: () => number } = {}): () => void {
  const minInterval = opts.minIntervalMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < minInterval) return;
    last = t;
    try {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify({ pid: process.pid, at: new Date(t).toISOString() })}\n`);
      fs.renameSync(tmp, file);
    } catch {
      // a full or read-only disk must not stop the sync; the health check reports the stale file
    }
  };
}

/** null when fresh, else the reason the worker counts as unhealthy. */
export function heartbeatProblem(file: string, maxAgeMs = HEARTBEAT_MAX_AGE_MS, now = Date.now()): string | null {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return `no worker heartbeat at ${file} (is the worker running?)`;
  }
  const age = now - mtimeMs;
  return age > maxAgeMs
    ? `worker heartbeat is ${Math.round(age / 1000)} s old (limit ${maxAgeMs / 1000} s): the worker is wedged or cannot reach the database`
    : null;
}

// `node scraper/dist/sync/heartbeat.js`: the container health check.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  let problem: string | null;
  try {
    problem = heartbeatProblem(path.join(loadConfig().dataDir, HEARTBEAT_FILE));
  } catch (err) {
    problem = (err as Error).message; // a bad environment: ConfigError names the variable
  }
  if (problem) console.error(problem);
  process.exitCode = problem ? 1 : 0;
}
