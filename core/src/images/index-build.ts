/**
 * Builds a SearchIndex in a worker thread from a binary COPY stream, so that the event loop stays free
 * for requests while a million signatures load and the build runs on another core. The caller feeds
 * the raw COPY bytes; at most a few batches are in flight (the feed waits), and the finished index comes
 * back as transferred buffers.
 */
import { Worker } from 'node:worker_threads';
import type { SearchIndexState } from './search-index.js';

export type BuildRequest = { type: 'chunk'; bytes: Uint8Array } | { type: 'end' };
export type BuildReply =
  | { type: 'ack'; rows: number }
  | { type: 'done'; state: SearchIndexState; rows: number }
  | { type: 'error'; message: string };

/** Bytes per message to the worker, and messages in flight before the feed waits. */
const BATCH_BYTES = 1 << 20;
const IN_FLIGHT = 4;

function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // running the TypeScript sources (tests, tsx): the worker registers tsx before loading its module
    const url = new URL('./index-build.worker.ts', here).href;
    return new Worker(`import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url)}))`, {
      eval: true,
    });
  }
  return new Worker(new URL('./index-build.worker.js', here));
}

export interface IndexBuildFeed {
  /** Hands over COPY bytes; resolves when the feed may go on (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the stream; resolves with the built index and its row count. */
  end(): Promise<{ state: SearchIndexState; rows: number }>;
  /** Stops the worker (after an error of the feed). */
  abort(): void;
}

export function startIndexBuild(): IndexBuildFeed {
  const worker = startWorker();
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let inFlight = 0;
  let failure: Error | null = null;
  let settled = false;
  let wake: (() => void) | null = null;
  let finish: { resolve: (r: { state: SearchIndexState; rows: number }) => void; reject: (e: Error) => void } | null = null;
  const fail = (err: Error) => {
    if (settled) return;
    failure ??= err;
    wake?.();
    finish?.reject(failure);
    void worker.terminate();
  };
  worker.on('message', (m: BuildReply) => {
    if (m.type === 'ack') {
      inFlight--;
      wake?.();
    } else if (m.type === 'done') {
      settled = true;
      finish?.resolve({ state: m.state, rows: m.rows });
      void worker.terminate();
    } else fail(new Error(`index build: ${m.message}`));
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`index build worker exited (${code})`)));
  const flush = () => {
    if (!batchBytes) return;
    const bytes = new Uint8Array(batchBytes);
    let o = 0;
    for (const b of batch) (bytes.set(b, o), (o += b.length));
    batch = [];
    batchBytes = 0;
    inFlight++;
    worker.postMessage({ type: 'chunk', bytes } satisfies BuildRequest, [bytes.buffer]);
  };
  return {
    async write(chunk) {
      if (failure) throw failure;
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes < BATCH_BYTES) return;
      flush();
      while (inFlight >= IN_FLIGHT && !failure) await new Promise<void>((res) => (wake = res));
      wake = null;
      if (failure) throw failure;
    },
    end() {
      return new Promise((resolve, reject) => {
        finish = { resolve, reject };
        if (failure) return reject(failure);
        flush();
        worker.postMessage({ type: 'end' } satisfies BuildRequest);
      });
    },
    abort() {
      fail(new Error('index build aborted'));
    },
  };
}
