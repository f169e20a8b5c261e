/**
 * The thread that owns the image search index (index-worker.ts): it builds it (binary COPY chunks or
 * pages of rows, in bulk), keeps it current (upserts, removes), and answers searches from the upload's
 * bytes (decode, query variants, candidate stage, verification) so that none of that CPU work runs on
 * the serving thread. Verification images come from the serving thread on request (its database pool
 * and cache). Messages are handled in arrival order; a search yields while it waits for them.
 */
import { availableParallelism } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { CopyBinaryRows } from './copy-binary-rows.js';
import { rawSignature, readSignatureInto } from './feature-blob.js';
import { SearchIndex } from './search-index.js';
import { decodeImage, ImageRejectedError } from './analyze-image.js';
import type { PreparedQuery } from './prepare-query.js';
import { prepareQueryShared } from './prepare-shared.js';
import { rankCandidates, type VerifyLoader } from './rank-candidates.js';
import { StageTimings } from './stage-timings.js';
import { candidatePool } from './candidate-pool.js';
import type { VerifyData } from './feature-types.js';
import { threadSchedstat } from './thread-cpu.js';
import { startVerifyHelper } from './verify-helper.js';
import type { IndexStats, ProbeTimes, ToMain, ToWorker, WorkerRequest } from './index-worker.js';

const port = parentPort!;
const index = new SearchIndex();
index.beginBulk();
let building = true;
const sig = rawSignature();
const copy = new CopyBinaryRows((id, characterId, bytes) => {
  readSignatureInto(bytes, sig);
  index.upsertRaw(String(id), String(characterId), sig);
});
let copied = false;

// a second thread takes half of each search's verification (on a box with a core to spare); it is
// started with the first search
const helper =
  availableParallelism() > 1
    ? startVerifyHelper((err) => port.postMessage({ type: 'warn', message: `verify helper: ${err.message}` } satisfies ToMain))
    : undefined;

const stats = (): IndexStats => ({ count: index.count, memory: index.memoryBytes() });
const send = (m: ToMain) => port.postMessage(m);

// verification images asked of the serving thread, by request number
let nextVerify = 0;
const verifyWaits = new Map<number, { resolve: (rows: [string, VerifyData][]) => void; reject: (e: Error) => void }>();

const loadVerify: VerifyLoader = async (slots) => {
  const vid = nextVerify++;
  const ids = slots.map((s) => index.artworkId(s));
  const rows = await new Promise<[string, VerifyData][]>((resolve, reject) => {
    verifyWaits.set(vid, { resolve, reject });
    send({ type: 'verify', vid, artworkIds: ids });
  });
  const byId = new Map(rows);
  const out = new Map<number, VerifyData>();
  slots.forEach((s, i) => {
    const v = byId.get(ids[i]!);
    if (v) out.set(s, v);
  });
  return out;
};

async function handle(m: WorkerRequest): Promise<unknown> {
  switch (m.type) {
    case 'chunk':
      copied = true;
      copy.push(m.bytes);
      return copy.rows;
    case 'rows':
      for (const e of m.entries) index.upsert(e.artworkId, e.characterId, e.features);
      return index.count;
    case 'end':
      if (copied && !copy.done) throw new Error('the binary COPY stream ended before its trailer');
      index.compact();
      building = false;
      return stats();
    case 'upsert':
      if (building) throw new Error('the index is still building');
      for (const e of m.entries) index.upsert(e.artworkId, e.characterId, e.features);
      return stats();
    case 'remove':
      for (const id of m.artworkIds) index.remove(id);
      return stats();
    case 'search': {
      const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
      const timings = new StageTimings();
      const decoded = await decodeImage(bytes, m.decode);
      timings.lap('decode');
      // (the verify helper makes part of the query variants alongside)
      const prepared = await prepareQueryShared(decoded.rgb, decoded.raw, helper, timings);
      // a turn between preparation and candidate stage: other messages (another search's verification
      // images, upserts) get in between
      await new Promise((res) => setImmediate(res));
      timings.lap('yield');
      const ranked = await rankCandidates(index, prepared, loadVerify, { timings, helper });
      const query = { width: decoded.width, height: decoded.height, sha256: decoded.sha256 };
      return { query, ranked, stages: timings.stages };
    }
    case 'probe':
      return probe(m.variants as PreparedQuery['variants'], m.perSource, m.screenTop);
  }
}

/** The candidate stage alone for given signatures, timed on this thread (benchmarks). */
function probe(variants: PreparedQuery['variants'], perSource: number, screenTop: number): ProbeTimes {
  let t = performance.now();
  index.nearestCodes(
    variants.map((v) => v.phash),
    perSource,
  );
  const hash = performance.now() - t;
  t = performance.now();
  index.nearestHaarMany(
    variants.map((v) => v.haar),
    perSource,
  );
  const wavelet = performance.now() - t;
  const s0 = threadSchedstat();
  t = performance.now();
  const pool = candidatePool(index, { variants }, perSource, screenTop);
  const both = performance.now() - t;
  const s1 = threadSchedstat();
  return {
    hash,
    wavelet,
    both,
    cpu: s0 && s1 ? s1.cpu - s0.cpu : null,
    wait: s0 && s1 ? s1.wait - s0.wait : null,
    artworkIds: pool.map((c) => index.artworkId(c.slot)),
  };
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'verified') {
    const w = verifyWaits.get(m.vid);
    verifyWaits.delete(m.vid);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.rows);
    return;
  }
  handle(m).then(
    (value) => send({ type: 'reply', id: m.id, value }),
    (err: unknown) => {
      if (err instanceof ImageRejectedError) send({ type: 'reply', id: m.id, rejected: { code: err.code, message: err.message } });
      else send({ type: 'reply', id: m.id, error: err instanceof Error ? err.message : String(err) });
    },
  );
});
