/**
 * Reverse-image-search figures (issue 5). Prints nothing: every function returns its figures and
 * bench/run.ts prints them.
 *
 * - search-only latency p50/p99 of the in-memory index over 10k / 100k / 1M synthetic entries
 *   (hash stage with multi-index hashing vs a flat popcount scan, and the iqdb-style Haar stage);
 * - index memory per 1M artworks;
 * - ingest throughput of analyzeImage (decode + hashes + thumbnail) and of the full ingest (with DB);
 * - end-to-end HTTP latency of a 1 MP JPEG upload.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { SearchIndex } from '@waifudex/core/images/search-index';
import type { ImageFeatures } from '@waifudex/core/images/feature-types';
import { analyzeImage } from '@waifudex/core/images/analyze-image';
import { makeVariant, rng, VARIANTS } from '@waifudex/core/images/query-variants';
import { decodeImage } from '@waifudex/core/images/analyze-image';
import { computeFeatures } from '@waifudex/core/images/compute-features';
import { prepareQuery, type PreparedQuery } from '@waifudex/core/images/prepare-query';
import { syntheticFeatures } from '../core/src/testing/synthetic-features.js';
import { rankCandidates, type RankedCandidate, type VerifyLoader } from '@waifudex/core/images/rank-candidates';
import { startVerifyHelper } from '@waifudex/core/images/verify-helper';
import { threadSchedstat } from '@waifudex/core/images/thread-cpu';
import { parseServerTiming, type StageTime } from '@waifudex/core/images/stage-timings';

const here = path.dirname(fileURLToPath(import.meta.url));
const GALLERY = path.resolve(here, '../../shared/images/gallery');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}
const ms = (x: number) => Math.round(x * 1000) / 1000;

function flip(c: { hi: number; lo: number }, bits: number, r: () => number) {
  let { hi, lo } = c;
  for (let i = 0; i < bits; i++) {
    const b = Math.floor(r() * 64);
    if (b < 32) hi = (hi ^ (1 << b)) >>> 0;
    else lo = (lo ^ (1 << (b - 32))) >>> 0;
  }
  return { hi, lo };
}

/** Search-only latency over synthetic entries (one query = 2 codes: the query and its mirror). */
export async function benchIndexLatency(
  sizes = [10_000, 100_000, 1_000_000],
  queries = 200,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const n of sizes) {
    const r = rng(n);
    const index = new SearchIndex(n);
    const sample: ImageFeatures[] = [];
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    for (let i = 0; i < n; i++) {
      const f = syntheticFeatures(r);
      if (i % Math.floor(n / queries) === 0 && sample.length < queries) sample.push(f);
      index.upsert(String(i + 1), String(i + 1), f);
    }
    index.useMih(true);
    const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const mih: number[] = [];
    const flat: number[] = [];
    const haar: number[] = [];
    for (const f of sample) {
      const q = [flip(f.phash, 4, r), flip(f.cropHashes[1]!, 4, r)];
      let t = performance.now();
      index.nearestCodes(q, 20);
      mih.push(performance.now() - t);
      t = performance.now();
      index.nearestFlat(q, 20);
      flat.push(performance.now() - t);
      t = performance.now();
      index.nearestHaar({ dc: f.haarDc, coefs: f.haarCoefs }, 16);
      haar.push(performance.now() - t);
    }
    const label = n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
    out[`hash_search_${label}_ms`] = {
      mih_p50: ms(pct(mih, 0.5)),
      mih_p99: ms(pct(mih, 0.99)),
      flat_p50: ms(pct(flat, 0.5)),
      flat_p99: ms(pct(flat, 0.99)),
      flat_over_mih: ms(pct(flat, 0.5) / pct(mih, 0.5)),
    };
    out[`haar_search_${label}_ms`] = { p50: ms(pct(haar, 0.5)), p99: ms(pct(haar, 0.99)) };
    if (n === sizes[sizes.length - 1]) {
      const m = index.memoryBytes();
      out[`index_memory_per_1M_MB`] = Math.round((m.perEntry * 1_000_000) / 1e6);
      out[`index_heap_growth_per_1M_MB`] = Math.round((((heapAfter - heapBefore) / n) * 1_000_000) / 1e6);
    }
  }
  out.target = 'hash stage ≤ 5 ms p50 at 1M on one core';
  return out;
}

function galleryFiles(limit: number): Buffer[] {
  if (!existsSync(GALLERY)) return [];
  return readdirSync(GALLERY)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, limit)
    .map((f) => readFileSync(path.join(GALLERY, f)));
}

async function syntheticJpeg(w: number, h: number, seed: number): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const r = rng(seed);
  const raw = Buffer.alloc(w * h * 3);
  // smooth gradients plus blobs, compressible like artwork
  const cx = r() * w;
  const cy = r() * h;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const d = Math.hypot(x - cx, y - cy);
      raw[i] = (x * 255) / w;
      raw[i + 1] = (y * 255) / h;
      raw[i + 2] = 128 + 127 * Math.sin(d / 20);
    }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** analyzeImage throughput (decode + hashes + thumbnail), with `concurrency` in flight. */
export async function benchAnalyzeThroughput(n = 120, concurrency = 2): Promise<Record<string, unknown>> {
  let inputs = galleryFiles(n);
  const source = inputs.length ? 'shared gallery JPEGs (≤1024 px)' : 'synthetic 1024×768 JPEGs';
  if (!inputs.length) inputs = await Promise.all(Array.from({ length: 40 }, (_, i) => syntheticJpeg(1024, 768, i)));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < inputs.length) await analyzeImage(inputs[next++]!);
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return {
    analyze_images_per_s: Math.round(inputs.length / s),
    analyze_source: source,
    analyze_concurrency: concurrency,
  };
}

/**
 * Full path with a throw-away embedded database: ingest throughput (analyzeImage + files + rows) and
 * end-to-end HTTP latency of a 1 MP JPEG upload to POST /api/v1/search/image.
 */
export async function benchEndToEnd(indexSize = 300, requests = 30): Promise<Record<string, unknown>> {
  const { openDatabase } = await import('@waifudex/core/db/database');
  const { migrate } = await import('@waifudex/core/db/migrate');
  const { createLogger } = await import('@waifudex/core/logger');
  const { createIngestService } = await import('@waifudex/core/services/ingest.service');
  const { createImageSearchService } = await import('@waifudex/core/services/image-search.service');
  const { searchRoutes } = await import('../server/dist/routes/search.routes.js');
  const express = (await import('express')).default;
  const logger = createLogger('silent');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'waifudex-bench-'));
  const db = await openDatabase({ dataDir: dir, logger });
  try {
    await migrate(db, logger);
    const ingest = createIngestService({ db, imagesDir: path.join(dir, 'images'), logger });
    let inputs = galleryFiles(indexSize);
    if (!inputs.length)
      inputs = await Promise.all(Array.from({ length: 60 }, (_, i) => syntheticJpeg(800, 600, 1000 + i)));
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < inputs.length) {
          const i = next++;
          await ingest.ingestImage({ bytes: inputs[i]!, caption: `Name: Bench ${i}\nAnime: Bench` });
        }
      }),
    );
    const ingestRate = inputs.length / ((performance.now() - t0) / 1000);
    const search = createImageSearchService({ db, imagesDir: path.join(dir, 'images'), logger, pollMs: 0 });
    await search.start();
    const app = express();
    app.use(searchRoutes({ search }));
    const server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const { default: sharp } = await import('sharp');
    const url = `http://127.0.0.1:${port}/api/v1/search/image`;
    // a 1 MP JPEG: the first indexed picture stretched to 1155×866 (a 128 px icon in the shared gallery:
    // it matches nothing, so every candidate is verified, the slowest case), or synthetic
    const jpeg = await sharp(inputs[0]!).resize(1155, 866, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
    const upload = await timeUploads(url, jpeg, requests);
    // the usual case: a re-post of an indexed artwork as a 1 MP JPEG (aspect kept)
    let repostOf = inputs[0]!;
    for (const b of inputs) {
      const m = await sharp(b).metadata();
      if (Math.max(m.width ?? 0, m.height ?? 0) >= 600) {
        repostOf = b;
        break;
      }
    }
    const m = await sharp(repostOf).metadata();
    const k = Math.sqrt(1e6 / ((m.width ?? 1) * (m.height ?? 1)));
    const repost = await sharp(repostOf)
      .resize(Math.round((m.width ?? 1) * k), Math.round((m.height ?? 1) * k))
      .jpeg({ quality: 85 })
      .toBuffer();
    const reposted = await timeUploads(url, repost, requests);
    const entries = search.stats().entries;
    server.close();
    search.stop();
    const figures = (u: Awaited<ReturnType<typeof timeUploads>>) => ({
      p50: Math.round(pct(u.times, 0.5)),
      p99: Math.round(pct(u.times, 0.99)),
      target_p50: 60,
      idle_estimate_p50: u.idleEstimateP50,
      verdict: u.verdict,
      server_cpu_ms_per_request: u.serverCpuMsPerRequest,
    });
    return {
      ingest_images_per_s: Math.round(ingestRate * 10) / 10,
      ingest_note: `${inputs.length} images, 2 in flight, embedded PostgreSQL, target ≥ 40/s`,
      e2e_1mp_upload_ms: { ...figures(upload), index_entries: entries },
      e2e_1mp_upload_stage_ms: upload.stages,
      e2e_1mp_repost_ms: figures(reposted),
      e2e_1mp_repost_stage_ms: reposted.stages,
      e2e_note:
        `load average ${upload.load} → ${reposted.load} (${os.availableParallelism()} cores). p50/p99: round trips of ` +
        'uploads one after another from another process. idle_estimate_p50: what a request would take on an idle box, ' +
        'from its own figures (per stage: the CPU of the thread that ran it; screen and verify: half the CPU of the ' +
        'index worker and its verify helper, which share the units as they come; variants (the query variants, a few ' +
        "jobs shared by the same two threads): the busier thread's CPU; decode: the process CPU, sharp " +
        'decodes on its own threads; stages that wait on PostgreSQL: their quickest wall time in the run), server ' +
        'side only. Stages: p50 of wall / process CPU / thread CPU / helper thread CPU (ms); ' +
        "'client' is the rest of the round trip.",
    };
  } finally {
    await db.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The upload client, in its own process so that its work is not the server's: POSTs the file as
 * multipart `image` `n` times one after the other and sends back each round trip, verdict and
 * Server-Timing header.
 */
const UPLOAD_CLIENT = `
const [url, file, n] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const bytes = new Uint8Array(require('node:fs').readFileSync(file));
const out = [];
for (let i = 0; i < n; i++) {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type: 'image/jpeg' }), 'q.jpg');
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', body: form });
  const body = await res.json();
  out.push({ ms: performance.now() - t, verdict: body.verdict, timing: res.headers.get('server-timing') });
}
process.stdout.write(JSON.stringify(out));`;

/**
 * `requests` uploads of `jpeg` one after the other from another process: round-trip times, each
 * stage's p50 from the answer's Server-Timing header (wall / CPU ms of the server process; 'client' is
 * the round trip minus the server's stages: connection, sending, reading the answer), and the server
 * process's CPU per request, which stays meaningful on a loaded box.
 */
async function timeUploads(url: string, jpeg: Buffer, requests: number) {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { writeFileSync } = await import('node:fs');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'waifudex-bench-q-')), 'q.jpg');
  writeFileSync(file, jpeg);
  const c0 = process.cpuUsage();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=commonjs', '-e', `(async () => {${UPLOAD_CLIENT}})()`, url, file, String(requests)],
    { maxBuffer: 1e7 },
  );
  const cpu = process.cpuUsage(c0);
  const load = os.loadavg()[0]!.toFixed(1);
  rmSync(path.dirname(file), { recursive: true, force: true });
  const answers = JSON.parse(stdout) as { ms: number; verdict: string; timing: string | null }[];
  const byStage = new Map<string, StageTime[]>();
  const perRequest: StageTime[][] = [];
  for (const a of answers) {
    const stages = parseServerTiming(a.timing);
    perRequest.push(stages);
    const server = stages.reduce((x, s) => x + s.ms, 0);
    stages.push({ name: 'client', ms: a.ms - server, cpuMs: 0 });
    for (const s of stages) byStage.set(s.name, [...(byStage.get(s.name) ?? []), s]);
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const p50 = (xs: StageTime[], k: 'ms' | 'cpuMs' | 'threadMs' | 'helperMs') =>
    r1(
      pct(
        xs.map((x) => x[k] ?? NaN),
        0.5,
      ),
    );
  // the idle box's time of a request, stage by stage (see e2e_note)
  const quickest = (name: string) => Math.min(...(byStage.get(name) ?? []).map((s) => s.ms));
  const idle = perRequest.map((stages) =>
    stages.reduce((sum, s) => {
      if (s.name === 'client') return sum;
      if (DATABASE_STAGES.has(s.name)) return sum + quickest(s.name);
      if (s.name === 'decode' || s.threadMs === undefined) return sum + s.cpuMs;
      if (s.helperMs === undefined) return sum + s.threadMs;
      // a few coarse units (the query variants' jobs): the busier thread's CPU
      if (COARSE_STAGES.has(s.name)) return sum + Math.max(s.threadMs, s.helperMs);
      // two threads share the units of work as they come: half their CPU each (optimistic by one unit)
      return sum + (s.threadMs + s.helperMs) / 2;
    }, 0),
  );
  return {
    times: answers.map((a) => a.ms),
    verdict: answers[answers.length - 1]?.verdict ?? '',
    stages: Object.fromEntries(
      [...byStage].map(([name, xs]) => [
        name,
        `${p50(xs, 'ms')} / ${p50(xs, 'cpuMs')} / ${p50(xs, 'threadMs')}` +
          (xs.some((x) => x.helperMs !== undefined) ? ` / helper ${p50(xs, 'helperMs')}` : ''),
      ]),
    ),
    serverCpuMsPerRequest: r1((cpu.user + cpu.system) / 1000 / requests),
    idleEstimateP50: Math.round(pct(idle, 0.5)),
    load,
  };
}

/** Stages whose two threads share a few coarse units: on an idle box they take the busier thread's CPU. */
const COARSE_STAGES = new Set(['variants']);

/** Stages that wait on PostgreSQL (its CPU is another process's). */
const DATABASE_STAGES = new Set(['verify-load', 'exact', 'details']);

/**
 * Decode + search latency of realistic re-posts (every accuracy-test variant of gallery pictures) over
 * an in-memory index of the gallery: the verifier's cost, which the single upscaled upload of
 * benchEndToEnd (an early exit) does not show.
 */
export async function benchVariantLatency(indexSize = 400, perVariant = 6): Promise<Record<string, unknown>> {
  const inputs = galleryFiles(indexSize);
  if (!inputs.length) return { variant_search_ms: 'skipped: no gallery' };
  const index = new SearchIndex();
  const verify = new Map<number, ImageFeatures['verify']>();
  for (const [i, bytes] of inputs.entries()) {
    const f = computeFeatures((await decodeImage(bytes)).rgb);
    verify.set(index.upsert(String(i), String(i), f), f.verify);
  }
  const loadVerify: VerifyLoader = async (slots) =>
    new Map(slots.flatMap((s) => (verify.has(s) ? [[s, verify.get(s)!] as const] : [])));
  const queries: Buffer[] = [];
  const r = rng(7);
  for (const v of VARIANTS)
    for (let k = 0; k < perVariant; k++)
      queries.push(await makeVariant(inputs[Math.floor(r() * inputs.length)]!, v, k + 1));
  const times: number[] = [];
  // per stage: decode, query preparation (trim, caption lines, variants' signatures), candidates + verification
  const stages: Record<'decode' | 'prepare' | 'rank', number[]> = { decode: [], prepare: [], rank: [] };
  const prepared: PreparedQuery[] = [];
  const alone: RankedCandidate[][] = [];
  const rankCpu = { alone: [] as number[], shared: [] as number[] };
  const cpuNow = () => threadSchedstat()?.cpu ?? NaN;
  for (const q of queries) {
    const t0 = performance.now();
    const d = await decodeImage(q);
    const t1 = performance.now();
    const pq = prepareQuery(d.rgb);
    const t2 = performance.now();
    const c0 = cpuNow();
    alone.push(await rankCandidates(index, pq, loadVerify));
    rankCpu.alone.push(cpuNow() - c0);
    const t3 = performance.now();
    prepared.push(pq);
    times.push(t3 - t0);
    stages.decode.push(t1 - t0);
    stages.prepare.push(t2 - t1);
    stages.rank.push(t3 - t2);
  }
  // the same queries with the verify helper (as the index worker runs them): the same answers, and this
  // thread's CPU for the ranking (the helper's first answers wait for its start: a warm-up query first)
  const helper = startVerifyHelper();
  await rankCandidates(index, prepared[0]!, loadVerify, { helper });
  let identical = 0;
  for (const [i, pq] of prepared.entries()) {
    const c0 = cpuNow();
    const shared = await rankCandidates(index, pq, loadVerify, { helper });
    rankCpu.shared.push(cpuNow() - c0);
    if (isDeepStrictEqual(shared, alone[i])) identical++;
  }
  await helper.close();
  const p = (xs: number[]) => ({ p50: Math.round(pct(xs, 0.5)), p99: Math.round(pct(xs, 0.99)) });
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    variant_search_ms: { ...p(times), queries: times.length, index_entries: index.count, target_p50: 120 },
    variant_stage_ms: { decode: p(stages.decode), prepare: p(stages.prepare), rank: p(stages.rank) },
    variant_rank_thread_cpu_ms: {
      one_thread_p50: r1(pct(rankCpu.alone, 0.5)),
      with_verify_helper_p50: r1(pct(rankCpu.shared, 0.5)),
      answers_identical: `${identical} of ${prepared.length}`,
    },
  };
}

/** Everything, for bench/run.ts. */
export async function runImageSearchBench(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // The request and ingest figures run first: the 1M-entry synthetic indexes built later stay on the
  // heap of this process and would slow a server-sized workload through GC.
  try {
    Object.assign(out, await benchEndToEnd());
  } catch (err) {
    out.e2e_error = (err as Error).message;
  }
  Object.assign(out, await benchVariantLatency());
  Object.assign(out, await benchAnalyzeThroughput());
  Object.assign(out, await benchIndexLatency());
  return out;
}
