/**
 * The image search index lives in a worker thread (index-worker.thread.ts), not on the serving thread:
 * at a million artworks its candidate stage alone is ~10 ms of CPU, and with query preparation and
 * verification a search is ~50 ms, which on a loaded box the kernel stretches to hundreds of ms of a
 * blocked event loop. This thread only posts messages: the build's COPY bytes (at most a few batches in
 * flight), rows to add or drop, searches as the upload's bytes; and it answers the worker's requests for
 * verification images. A worker that dies rejects what was pending and reports its end through `exited`.
 */
import { spawnThread } from './spawn-thread.js';
import type { SearchIndex } from './search-index.js';
import { ImageRejectedError, type DecodeOptions, type ImageRejectionCode } from './analyze-image.js';
import type { RankedCandidate } from './rank-candidates.js';
import type { StageTime } from './stage-timings.js';
import type { IndexSignature, VerifyData } from './feature-types.js';
import type { QueryVariant } from './prepare-query.js';

/** An index row as the worker takes it. */
export interface IndexRow {
  artworkId: string;
  characterId: string;
  features: IndexSignature;
}

export interface IndexStats {
  count: number;
  memory: ReturnType<SearchIndex['memoryBytes']>;
}

/** Signatures of one query variant, for probe(). */
export type ProbeVariant = Pick<QueryVariant, 'phash' | 'dhash' | 'haar'>;

/** The candidate stage of probe(), timed in the worker (ms; cpu and run-queue wait: null off Linux). */
export interface ProbeTimes {
  hash: number;
  wavelet: number;
  both: number;
  cpu: number | null;
  wait: number | null;
  artworkIds: string[];
}

export interface WorkerSearchResult {
  query: { width: number; height: number; sha256: string };
  ranked: RankedCandidate[];
  /** Wall and process CPU per stage in the worker (decode, prepare, candidates, verification…). */
  stages: StageTime[];
}

/** Verification images by artwork id (the ones it has). */
export type VerifyByIds = (artworkIds: string[]) => Promise<Map<string, VerifyData>>;

export type WorkerRequest = { id: number } & (
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'rows'; entries: IndexRow[] }
  | { type: 'end' }
  | { type: 'upsert'; entries: IndexRow[] }
  | { type: 'remove'; artworkIds: string[] }
  | { type: 'search'; bytes: Uint8Array; decode?: DecodeOptions }
  | { type: 'probe'; variants: ProbeVariant[]; perSource: number; screenTop: number }
);
export type ToWorker = WorkerRequest | { type: 'verified'; vid: number; rows: [string, VerifyData][]; error?: string };
export type ToMain =
  | { type: 'reply'; id: number; value?: unknown; error?: string; rejected?: { code: ImageRejectionCode; message: string } }
  | { type: 'verify'; vid: number; artworkIds: string[] }
  | { type: 'warn'; message: string };

/** Bytes per COPY message to the worker, and messages in flight before the feed waits. */
const BATCH_BYTES = 1 << 20;
const IN_FLIGHT = 4;

export interface IndexWorker {
  /** Build: hands over binary COPY bytes; resolves when the feed may go on (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Build: rows to load (the paged build without COPY). */
  load(entries: IndexRow[]): Promise<void>;
  /** Ends the build (the COPY stream must be complete); resolves when searches can be answered. */
  end(): Promise<IndexStats>;
  upsert(entries: IndexRow[]): Promise<IndexStats>;
  remove(artworkIds: string[]): Promise<IndexStats>;
  /** Decodes, prepares and ranks an upload in the worker; bad input rejects with ImageRejectedError. */
  search(bytes: Uint8Array, decode?: DecodeOptions): Promise<WorkerSearchResult>;
  /** The candidate stage alone for given signatures (benchmarks). */
  probe(variants: ProbeVariant[], perSource?: number, screenTop?: number): Promise<ProbeTimes>;
  /** The last stats the worker reported (after the build and every change). */
  readonly stats: IndexStats | null;
  /** Resolves when the worker is gone, with the error it died of (null after close()). */
  readonly exited: Promise<Error | null>;
  close(): Promise<void>;
}

/** `verify`: the verification images the worker's searches ask for (from the database and its cache). */
/** The worker is gone (it died, or was stopped): what was pending with it is lost, nothing else. */
export class IndexWorkerGoneError extends Error {}

/** `onWarn`: what the worker reports without failing (its verify helper failed: it verifies alone). */
export function startIndexWorker(verify: VerifyByIds, onWarn?: (message: string) => void): IndexWorker {
  const worker = spawnThread(new URL('./index-worker.thread.js', import.meta.url));
  // an idle worker keeps no process alive; one with work pending does
  worker.unref();
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null;
  let closing = false;
  let stats: IndexStats | null = null;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const inFlight: Promise<unknown>[] = [];
  let settleExit!: (e: Error | null) => void;
  const exited = new Promise<Error | null>((res) => (settleExit = res));

  const fail = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    worker.unref();
  };
  worker.on('error', (err) => fail(new IndexWorkerGoneError(`image index worker failed: ${err.message}`)));
  worker.on('exit', (code) => {
    fail(new IndexWorkerGoneError(closing ? 'the image index worker was stopped' : `image index worker exited (${code})`));
    settleExit(closing ? null : failure);
  });
  worker.on('message', (m: ToMain) => {
    if (m.type === 'warn') return onWarn?.(m.message);
    if (m.type === 'verify') {
      const answer = (rows: [string, VerifyData][], error?: string) =>
        worker.postMessage({ type: 'verified', vid: m.vid, rows, error } satisfies ToWorker);
      verify(m.artworkIds).then(
        (map) => answer([...map]),
        (err: unknown) => answer([], err instanceof Error ? err.message : String(err)),
      );
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.rejected) p.reject(new ImageRejectedError(m.rejected.code, m.rejected.message));
    else if (m.error !== undefined) p.reject(new Error(`image index: ${m.error}`));
    else p.resolve(m.value);
  });

  function call<T>(req: DistributiveOmit<WorkerRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    if (pending.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id } as WorkerRequest, transfer);
    });
  }
  const withStats = (p: Promise<IndexStats>) => p.then((s) => (stats = s));

  async function flush() {
    if (!batchBytes) return;
    const bytes = new Uint8Array(batchBytes);
    let o = 0;
    for (const b of batch) (bytes.set(b, o), (o += b.length));
    batch = [];
    batchBytes = 0;
    const sent = call({ type: 'chunk', bytes }, [bytes.buffer]);
    sent.catch(() => undefined); // seen by the write or end that awaits it
    inFlight.push(sent);
    while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
  }

  return {
    async write(chunk) {
      if (failure) throw failure;
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= BATCH_BYTES) await flush();
    },
    async load(entries) {
      await call({ type: 'rows', entries });
    },
    async end() {
      await flush();
      await Promise.all(inFlight.splice(0));
      return withStats(call<IndexStats>({ type: 'end' }));
    },
    upsert: (entries) => withStats(call({ type: 'upsert', entries })),
    remove: (artworkIds) => withStats(call({ type: 'remove', artworkIds })),
    search(bytes, decode) {
      // a copy of the upload to hand over: the caller's buffer may be a view into a shared pool
      const copy = new Uint8Array(bytes);
      return call({ type: 'search', bytes: copy, decode }, [copy.buffer]);
    },
    probe: (variants, perSource = 24, screenTop = 64) => call({ type: 'probe', variants, perSource, screenTop }),
    get stats() {
      return stats;
    },
    exited,
    async close() {
      closing = true;
      await worker.terminate();
    },
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
