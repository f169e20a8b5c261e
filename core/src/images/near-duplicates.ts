/**
 * Near-duplicate pairs among 64-bit perceptual hashes, by the pigeonhole principle: two hashes within
 * `maxDistance` bits agree exactly on at least one of `maxDistance + 1` bands, so only hashes sharing a
 * band are compared. Pure; the cost follows the bucket sizes, not the square of the count.
 */

export interface HashedItem {
  id: string;
  /** Pairs within one group are not reported (artworks of the same character). */
  group: string;
  /** The hash as 64 '0'/'1' characters (PostgreSQL's bit(64) text form). */
  bits: string;
}

export interface NearPair {
  a: string;
  b: string;
  distance: number;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Pairs of items of different groups whose hashes differ in at most `maxDistance` bits, closest first. */
export function findNearPairs(items: HashedItem[], maxDistance: number): NearPair[] {
  const n = items.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    hi[i] = parseInt(items[i]!.bits.slice(0, 32), 2) >>> 0;
    lo[i] = parseInt(items[i]!.bits.slice(32, 64), 2) >>> 0;
  }
  const bands = maxDistance + 1;
  const width = Math.ceil(64 / bands);
  const seen = new Set<string>();
  const out: NearPair[] = [];
  for (let band = 0; band < bands; band++) {
    const start = band * width;
    const len = Math.min(width, 64 - start);
    if (len <= 0) break;
    const buckets = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = items[i]!.bits.substr(start, len);
      const b = buckets.get(key);
      if (b) b.push(i);
      else buckets.set(key, [i]);
    }
    for (const b of buckets.values()) {
      for (let x = 0; x < b.length; x++) {
        for (let y = x + 1; y < b.length; y++) {
          const i = b[x]!;
          const j = b[y]!;
          if (items[i]!.group === items[j]!.group) continue;
          const d = popcount32((hi[i]! ^ hi[j]!) >>> 0) + popcount32((lo[i]! ^ lo[j]!) >>> 0);
          if (d > maxDistance) continue;
          const key = i < j ? `${i}:${j}` : `${j}:${i}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const [a, c] = Number(items[i]!.id) < Number(items[j]!.id) ? [items[i]!, items[j]!] : [items[j]!, items[i]!];
          out.push({ a: a.id, b: c.id, distance: d });
        }
      }
    }
  }
  return out.sort((p, q) => p.distance - q.distance || Number(p.a) - Number(q.a) || Number(p.b) - Number(q.b));
}
