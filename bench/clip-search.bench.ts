/**
 * CLIP similarity without pgvector: the exact in-memory cosine scan (core/src/images/cosine-matrix.ts)
 * at the embedded scale, 100k artworks × 512 dims. Prints nothing: returns its figures.
 */
import { CosineMatrix } from '@waifudex/core/images/cosine-matrix';
import { rng } from '@waifudex/core/images/query-variants';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => Math.round(x * 100) / 100;

export function runClipSearchBench(n = 100_000, dims = 512, queries = 30): Record<string, unknown> {
  const r = rng(5);
  const m = new CosineMatrix(dims, 1);
  m.reserve(n);
  const v = new Float32Array(dims);
  const fillStarted = performance.now();
  for (let i = 1; i <= n; i++) {
    for (let j = 0; j < dims; j++) v[j] = r() * 2 - 1;
    m.set(String(i), v);
  }
  const fillMs = performance.now() - fillStarted;
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    for (let j = 0; j < dims; j++) v[j] = r() * 2 - 1;
    const t0 = performance.now();
    m.nearest(v, 40); // the service's headroom for k = 8
    times.push(performance.now() - t0);
  }
  return {
    rows: n,
    dims,
    search_p50_ms: ms(pct(times, 0.5)),
    search_p99_ms: ms(pct(times, 0.99)),
    matrix_mb: Math.round(m.bytes / 1024 / 1024),
    insert_per_second: Math.round(n / (fillMs / 1000)),
    note: 'exact top-40 by cosine, one thread; used where PostgreSQL has no pgvector',
  };
}
