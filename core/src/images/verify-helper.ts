/**
 * The verify helper: a second thread that the index worker (index-worker.thread.ts) hands half of a
 * search's verification to. The index stays in one thread; the helper only holds the search's query
 * variants and candidate pictures while it runs, and takes units of work from the same shared queues
 * (verify-work.ts). A helper that fails or ends only stops helping: what it left is done by the caller,
 * and the next search starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import type { VerifyData } from './feature-types.js';
import { spawnThread } from './spawn-thread.js';
import type { QueryVariant, VariantJob } from './prepare-query.js';
import type { CoarseScore, HelperPart, HelperSearch, PictureBytes, PrepareHelper, VerifyHelper, VerifyOutcome, VerifyVariant, WorkQueue } from './verify-work.js';

export type ToHelper =
  | { type: 'begin'; id: number; variants: VerifyVariant[]; candidates: (VerifyData | undefined)[] }
  | { type: 'screen'; id: number; queue: SharedArrayBuffer; n: number; orders: readonly (readonly number[])[] }
  | {
      type: 'verify';
      id: number;
      queue: SharedArrayBuffer;
      n: number;
      stop?: { after: number; atLeast: number };
      items: readonly { k: number; variants: readonly number[] }[];
      adopt: readonly [number, CoarseScore][];
    }
  | { type: 'end'; id: number }
  | { type: 'prepare'; id: number; queue: SharedArrayBuffer; n: number; picture: PictureBytes; jobs: readonly VariantJob[] };

export type FromHelper =
  | { type: 'screened'; id: number; results: [number, CoarseScore[]][]; cpuMs: number }
  | { type: 'verified'; id: number; results: [number, VerifyOutcome][]; cpuMs: number }
  | { type: 'prepared'; id: number; results: [number, QueryVariant[]][]; cpuMs: number }
  | { type: 'failed'; id: number; call: 'screened' | 'verified' | 'prepared'; error: string };

export interface ClosableVerifyHelper extends VerifyHelper, PrepareHelper {
  close(): Promise<void>;
}

export function startVerifyHelper(onError?: (err: Error) => void): ClosableVerifyHelper {
  let current: { worker: Worker; waits: Map<string, (v: unknown) => void> } | null = null;
  let nextId = 0;
  let closed = false;

  function thread() {
    if (current || closed) return current;
    const worker = spawnThread(new URL('./verify-helper.thread.js', import.meta.url));
    // never keeps a process alive: the searches that wait for it do
    worker.unref();
    const t = { worker, waits: new Map<string, (v: unknown) => void>() };
    const gone = (err: Error) => {
      // (after close() it is not current: its end is no error)
      const failed = current === t;
      if (failed) current = null;
      for (const resolve of t.waits.values()) resolve(null);
      t.waits.clear();
      if (failed) onError?.(err);
    };
    worker.on('error', (err) => gone(err));
    worker.on('exit', (code) => gone(new Error(`verify helper exited (${code})`)));
    worker.on('message', (m: FromHelper) => {
      const key = `${m.id}:${m.type === 'failed' ? m.call : m.type}`;
      const resolve = t.waits.get(key);
      t.waits.delete(key);
      if (m.type === 'failed') onError?.(new Error(`verify helper: ${m.error}`));
      resolve?.(m.type === 'failed' ? null : { results: new Map(m.results as [number, unknown][]), cpuMs: m.cpuMs });
    });
    return (current = t);
  }

  // closed or gone: every call answers null at once (the caller does the work)
  const asker = (t: ReturnType<typeof thread>, id: number) => ({
    post: (m: ToHelper) => {
      if (t && current === t) t.worker.postMessage(m);
    },
    ask: <T>(m: ToHelper, reply: string) =>
      new Promise<T | null>((resolve) => {
        if (!t || current !== t) return resolve(null);
        t.waits.set(`${id}:${reply}`, resolve as (v: unknown) => void);
        t.worker.postMessage(m);
      }),
  });

  return {
    prepare(queue, picture, jobs) {
      const id = nextId++;
      // (a view of part of a larger buffer would carry all of it across)
      const { pixels } = picture;
      const whole = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength ? pixels : pixels.slice();
      return asker(thread(), id).ask<HelperPart<QueryVariant[]>>(
        { type: 'prepare', id, queue: queue.buffer, n: queue.n, picture: { ...picture, pixels: whole }, jobs },
        'prepared',
      );
    },
    begin(variants, candidates) {
      const id = nextId++;
      const { post, ask } = asker(thread(), id);
      post({
        type: 'begin',
        id,
        variants: variants.map((v) => ({ verify: v.verify, chroma: v.chroma, hidden: v.hidden, density: v.density, captionShare: v.captionShare })),
        candidates: [...candidates],
      });
      const search: HelperSearch = {
        screen: (queue: WorkQueue, orders) =>
          ask<HelperPart<CoarseScore[]>>({ type: 'screen', id, queue: queue.buffer, n: queue.n, orders }, 'screened'),
        verify: (queue: WorkQueue, items, adopt) =>
          ask<HelperPart<VerifyOutcome>>(
            { type: 'verify', id, queue: queue.buffer, n: queue.n, stop: queue.stop, items, adopt },
            'verified',
          ),
        end: () => post({ type: 'end', id }),
      };
      return search;
    },
    async close() {
      closed = true;
      const t = current;
      current = null;
      await t?.worker.terminate();
    },
  };
}
