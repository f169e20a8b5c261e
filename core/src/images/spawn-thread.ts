import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the compiled module `js` (a URL next to the caller's module). When the caller
 * runs from its TypeScript source (vitest, tsx), the thread still runs the compiled module, from the
 * package's dist: loading a thread's module graph through tsx costs about 5× the CPU (≈ 0.3 s per index
 * worker, 0.2 s per verify helper, and every search service starts both). `npm test` builds dist from the
 * same sources first; a dist older than its sources fails here, naming the build to run, rather than
 * testing code that is not the source's.
 */
export function spawnThread(js: URL): Worker {
  return new Worker(js.href.endsWith('.js') && import.meta.url.endsWith('.ts') ? builtFromSource(js) : js);
}

/** Checked once per module: every search service a test file starts spawns the same two threads. */
const builtUrls = new Map<string, URL>();

/** `<package>/src/…/x.js` → `<package>/dist/…/x.js`, when dist holds a build at least as new as src. */
function builtFromSource(js: URL): URL {
  const known = builtUrls.get(js.href);
  if (known) return known;
  const file = fileURLToPath(js);
  const at = file.lastIndexOf(`${path.sep}src${path.sep}`);
  if (at < 0) throw new Error(`spawnThread: ${file} is not under a package's src folder`);
  const pkg = file.slice(0, at);
  const built = path.join(pkg, 'dist', file.slice(at + 5));
  const buildInfo = path.join(pkg, 'tsconfig.tsbuildinfo');
  const builtAt = fs.existsSync(built) && fs.existsSync(buildInfo) ? fs.statSync(buildInfo).mtimeMs : -1;
  const newer = builtAt < 0 ? built : sourceChangedAfter(path.join(pkg, 'src'), builtAt);
  const rel = (p: string) => path.relative(path.dirname(pkg), p);
  if (newer)
    throw new Error(
      `${rel(built)} is ${builtAt < 0 ? 'missing' : `older than ${rel(newer)}`}: ` +
        'threads run the built module, so run `npm run build:test` (npm test does) first',
    );
  const url = pathToFileURL(built);
  builtUrls.set(js.href, url);
  return url;
}

/** The first built source (not a test, not testing/) changed after `ms`, or null. */
function sourceChangedAfter(dir: string, ms: number): string | null {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'testing') continue;
      const found = sourceChangedAfter(p, ms);
      if (found) return found;
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && fs.statSync(p).mtimeMs > ms) return p;
  }
  return null;
}
