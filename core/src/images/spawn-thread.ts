import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the compiled module `js` (a URL next to the caller's module); when the
 * sources run as TypeScript (tests, tsx), the thread registers tsx and loads the module's .ts source.
 */
export function spawnThread(js: URL): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const url = js.href.replace(/\.js$/, '.ts');
    return new Worker(`import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url)}))`, {
      eval: true,
    });
  }
  return new Worker(js);
}
