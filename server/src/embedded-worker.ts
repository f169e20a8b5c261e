/**
 * In the embedded default (`npm start`), the Telegram sync worker runs beside the server when Telegram
 * credentials are configured. It is a child process (the scraper's `worker` command) rather than code
 * imported here: the server never loads GramJS, and a crash or an expired session in the worker leaves
 * the web app running. The child reaches the embedded database over the server's local socket, and the
 * IPC channel makes it stop when the server dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import type { Config } from '@waifudex/core/config/env';
import type { Logger } from '@waifudex/core/logger';

const WORKER_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scraper/dist/main.js');
const RESTART_DELAY_MS = 60_000;

/** Whether main.ts should start the worker. */
export function wantsEmbeddedWorker(config: Config): boolean {
  return Boolean(config.telegram.apiId && config.telegram.apiHash && config.sync.embeddedWorker);
}

/** Starts the worker child, restarting it a minute after an unexpected exit; returns a stopper. */
export function startEmbeddedWorker(logger: Logger, workerMain = WORKER_MAIN, command = 'worker'): () => Promise<void> {
  if (!fs.existsSync(workerMain)) {
    logger.warn({ workerMain }, 'Telegram is configured but the scraper is not built; run `npm run build`');
    return async () => undefined;
  }
  let child: ChildProcess | null = null;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const launch = () => {
    child = spawn(process.execPath, [workerMain, command], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env,
    });
    logger.info({ pid: child.pid, command }, 'embedded sync worker started');
    child.on('exit', (code, signal) => {
      child = null;
      if (stopping) return;
      logger.warn(
        { code, signal },
        `sync worker exited; restarting in ${RESTART_DELAY_MS / 1000} s (the web app keeps running)`,
      );
      timer = setTimeout(launch, RESTART_DELAY_MS);
    });
  };
  launch();
  return async () => {
    stopping = true;
    clearTimeout(timer);
    const c = child as ChildProcess | null;
    if (!c) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      c.kill('SIGTERM');
    });
  };
}
