/**
 * The image-index part of `npm run bench -- scale` (issue 14), on the database that scale.bench.ts
 * filled: the cold start (a worker thread builds the index from one binary COPY stream while browse
 * queries answer) with the event loop's longest stall, the index memory, and the candidate stage (hash,
 * wavelet, both) for two and six query variants with the event loop's longest stall during searches
 * (and, by loop-watch.ts, how much of each stall was the process's own work).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Db } from '@waifudex/core/db/database';
import { createLogger } from '@waifudex/core/logger';
import { searchCharacters } from '@waifudex/core/repos/character-search.repo';
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { candidatePool } from '@waifudex/core/images/candidate-pool';
import type { PreparedQuery } from '@waifudex/core/images/prepare-query';
import type { ImageFeatures } from '@waifudex/core/images/feature-types';
import type { SearchIndex } from '@waifudex/core/images/search-index';
import { repostOf } from './synthetic-signatures.js';
import { pct, r3 } from './percentiles.js';
import { watchLoop, type LoopStalls } from './loop-watch.js';

const perMillion = (bytes: number, n: number) => Math.round(((bytes / n) * 1e6) / 1e5) / 10;

/** Candidate-stage timings for `queries` random re-posts, each searched with `variants` signatures. */
async function candidateStage(
  index: SearchIndex,
  n: number,
  featuresOf: (i: number) => ImageFeatures,
  r: () => number,
  queries: number,
  variants: number,
) {
  const hash: number[] = [];
  const wavelet: number[] = [];
  const both: number[] = [];
  const bothCpu: number[] = [];
  let found = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let watch: { stop(): LoopStalls } | null = null;
  for (let k = -5; k < queries; k++) {
    if (k === 0) (loop.enable(), (watch = watchLoop())); // after a few unmeasured queries (JIT warm-up)
    const i = Math.floor(r() * n);
    // the re-post of artwork i, then other artworks' re-posts standing in for the mirror and crops
    const vs = [repostOf(featuresOf(i), r)];
    for (let j = 1; j < variants; j++) vs.push(repostOf(featuresOf((i + j) % n), r));
    const q = { variants: vs } as unknown as PreparedQuery;
    const measured = k >= 0;
    let s = performance.now();
    index.nearestCodes(
      vs.map((v) => v.phash),
      24,
    );
    if (measured) hash.push(performance.now() - s);
    s = performance.now();
    index.nearestHaarMany(
      vs.map((v) => v.haar),
      24,
    );
    if (measured) wavelet.push(performance.now() - s);
    s = performance.now();
    const c0 = process.cpuUsage();
    const pool = candidatePool(index, q, 24, 64);
    if (measured) both.push(performance.now() - s);
    // CPU time as well: on a box shared with other work the wall time includes waiting for a core
    const c1 = process.cpuUsage(c0);
    if (measured) bothCpu.push((c1.user + c1.system) / 1000);
    if (measured && pool.some((c) => index.artworkId(c.slot) === String(i + 1))) found++;
    await new Promise((res) => setImmediate(res));
  }
  loop.disable();
  const stalls = watch!.stop();
  const f = (xs: number[]) => ({ p50: r3(pct(xs, 0.5)), p99: r3(pct(xs, 0.99)) });
  return {
    hash: f(hash),
    wavelet: f(wavelet),
    both: f(both),
    bothCpu: f(bothCpu),
    found: `${found}/${queries}`,
    loopMax: r3(loop.max / 1e6),
    stalls,
  };
}

export async function measureImageIndex(
  db: Db,
  dir: string,
  n: number,
  featuresOf: (i: number) => ImageFeatures,
  r: () => number,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const logger = createLogger('silent', 'bench');
  // the same browse loop with nothing building: what the box alone does to the event loop (a loaded
  // box stalls any process for tens of ms; the build's figure is read against this one)
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  const idleWatch = watchLoop();
  for (let k = 0; k < 10; k++) {
    await searchCharacters(db, { text: '' }, { page: 1, perPage: 24, sort: 'newest' });
    await new Promise((res) => setTimeout(res, 200));
  }
  idle.disable();
  out.idle_event_loop_max_ms = { value: r3(idle.max / 1e6), p99: r3(idle.percentile(99) / 1e6) };
  // the same stalls split into the process's own work (busy) and waiting for a core (see loop-watch.ts)
  out.idle_event_loop_stalls = idleWatch.stop();
  // --- cold start: the index streams from the database while browse queries answer
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const search = createImageSearchService({ db, imagesDir: dir, logger, pollMs: 0, backgroundReindex: false });
  // a collection before each heap reading, so that the growth is what the index keeps
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  const heap0 = process.memoryUsage();
  const cpu0 = process.cpuUsage();
  loop.enable();
  const buildWatch = watchLoop();
  const t = performance.now();
  const started = search.start();
  const browse: number[] = [];
  let ready = false;
  void started.then(() => (ready = true));
  while (!ready) {
    const b = performance.now();
    await searchCharacters(db, { text: '' }, { page: 1, perPage: 24, sort: 'newest' });
    browse.push(performance.now() - b);
    await new Promise((res) => setTimeout(res, 200));
  }
  await started;
  const coldMs = performance.now() - t;
  loop.disable();
  const buildStalls = buildWatch.stop();
  const cpu = process.cpuUsage(cpu0);
  gc();
  const heap1 = process.memoryUsage();
  const mem = search.index.memoryBytes();
  out.cold_start_s = { value: r3(coldMs / 1000), per_1M: r3(((coldMs / 1000) * 1e6) / n), target: '≤ 30 s at 1M' };
  // process CPU (main thread + build worker): over wall time above 1 means the build used a second core;
  // far below 1, the box's other work held the cores
  out.cold_start_cpu_s = {
    value: r3((cpu.user + cpu.system) / 1e6),
    over_wall: r3((cpu.user + cpu.system) / 1000 / coldMs),
  };
  out.cold_start_event_loop_max_ms = { value: r3(loop.max / 1e6), p99: r3(loop.percentile(99) / 1e6), target: '≤ 50' };
  out.cold_start_event_loop_stalls = { ...buildStalls, target: 'busy_max ≤ 50' };
  out.browse_during_build_ms = { p50: r3(pct(browse, 0.5)), max: r3(Math.max(...browse)), requests: browse.length };
  out.index_memory_per_1M_MB = { value: perMillion(mem.total, n), target: '≤ 300' };
  out.index_memory_parts_per_1M_MB = Object.fromEntries(
    Object.entries(mem.parts).map(([k, v]) => [k, perMillion(v, n)]),
  );
  out.process_heap_growth_per_1M_MB = perMillion(
    heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers,
    n,
  );

  // --- candidate stage on the index the database built, and how long it holds the event loop
  const two = await candidateStage(search.index, n, featuresOf, r, 60, 2);
  out.candidate_stage_2_variants_ms = { ...two.both, target: '≤ 5 p50, ≤ 15 p99', found: two.found };
  out.candidate_stage_2_variants_cpu_ms = two.bothCpu;
  out.candidate_stage_2_variants_parts_ms = { hash: two.hash, wavelet: two.wavelet };
  const six = await candidateStage(search.index, n, featuresOf, r, 20, 6);
  out.candidate_stage_6_variants_ms = {
    ...six.both,
    cpu: six.bothCpu,
    hash: six.hash,
    wavelet: six.wavelet,
    found: six.found,
  };
  out.query_scratch_MB = Math.round(search.index.memoryBytes().queryScratch / 1e5) / 10;
  out.search_event_loop_max_ms = { value: Math.max(two.loopMax, six.loopMax), target: '≤ 50' };
  out.search_event_loop_stalls = {
    busy_max_ms: Math.max(two.stalls.busy_max_ms, six.stalls.busy_max_ms),
    max_ms: Math.max(two.stalls.max_ms, six.stalls.max_ms),
    target: 'busy_max ≤ 50',
  };
  search.stop();
  return out;
}
