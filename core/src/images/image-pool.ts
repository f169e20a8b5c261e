/**
 * The worker-thread pool that analyses images for ingest and reindex (piscina): decode, hashes, Haar
 * signature, verify data and thumbnails run on worker threads, so a serving event loop only waits. The
 * workers run the same analyzeImage as the main thread would; bad input rejects with the same
 * ImageRejectedError (code and message).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
// Also loads sharp on the main thread before any worker does: on glibc Linux its shared libraries must
// stay loaded until every thread is done (https://sharp.pixelplumbing.com/install#worker-threads).
import { analyzeImage, ImageRejectedError, type AnalyzeOptions, type AnalyzedImage } from './analyze-image.js';
import type { AnalyzeReply, AnalyzeTask } from './image-worker.js';

export interface ImagePool {
  /** analyzeImage on a worker thread (threads 0: on the calling thread). */
  analyze(bytes: Buffer, opts?: AnalyzeOptions): Promise<AnalyzedImage>;
  /** Worker threads at most (0: none, the calling thread does the work). */
  readonly threads: number;
  /** Workers running now and images analysed by workers so far. */
  stats(): { running: number; completed: number };
  /** Waits for running tasks to settle, then stops the workers; later calls reject. */
  close(): Promise<void>;
}

/** One worker per core: sharp's own threads and the database share the same cores. */
export function defaultImageThreads(): number {
  return os.availableParallelism();
}

/** Idle workers stop after this long (a worker costs ~30–40 MB); the next image starts one again. */
const IDLE_MS = 60_000;

/** How much lower the workers' priority is than the serving thread's. */
const NICE = 5;

export function createImagePool(opts: { threads?: number } = {}): ImagePool {
  const threads = opts.threads ?? defaultImageThreads();
  let closed = false;
  const closedError = () => new Error('the image pool is closed');
  if (threads === 0) {
    return {
      threads,
      stats: () => ({ running: 0, completed: 0 }),
      analyze: (bytes, o) => (closed ? Promise.reject(closedError()) : analyzeImage(bytes, o)),
      async close() {
        closed = true;
      },
    };
  }
  const worker = workerEntry();
  const piscina = new Piscina<AnalyzeTask, AnalyzeReply>({
    filename: worker.filename,
    execArgv: worker.execArgv,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_MS,
    // below the event loop's priority: on a busy box the serving thread gets a core first (Linux: per thread)
    niceIncrement: NICE,
  });
  // piscina's own close() drops tasks still queued while a worker starts: close() waits for these itself
  const inFlight = new Set<Promise<unknown>>();
  return {
    threads,
    stats: () => ({ running: piscina.threads.length, completed: piscina.completed }),
    async analyze(bytes, o = {}) {
      if (closed) throw closedError();
      const task = piscina.run({ bytes, opts: o });
      inFlight.add(task);
      const reply = await task.finally(() => inFlight.delete(task));
      if ('rejected' in reply) throw new ImageRejectedError(reply.rejected.code, reply.rejected.message);
      return fromWorker(reply.image);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inFlight]);
      await piscina.destroy();
    },
  };
}

let shared: ImagePool | undefined;

/**
 * The process's pool, one worker per core, started on first use: for services whose entry point passes
 * none (tests, benches). Idle workers never keep a process alive, so it needs no close.
 */
export function sharedImagePool(): ImagePool {
  return (shared ??= createImagePool());
}

/**
 * The worker file next to this module: the compiled JS in dist (the worker inherits this process's node
 * options), or the TypeScript source when this module itself runs from source (vitest, tsx), which the
 * worker then loads through tsx.
 */
function workerEntry(): { filename: string; execArgv: string[] | undefined } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? './image-worker.ts' : './image-worker.js', import.meta.url));
  return { filename, execArgv: fromSource ? ['--import', 'tsx'] : undefined };
}

/** Structured clone turns Buffers into plain Uint8Arrays (typed arrays and objects come through as they were). */
function fromWorker(image: AnalyzedImage): AnalyzedImage {
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return { ...image, thumbnails: image.thumbnails.map((t) => ({ ...t, bytes: buf(t.bytes) })) };
}
