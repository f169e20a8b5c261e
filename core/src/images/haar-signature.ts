/**
 * iqdb-style multiresolution Haar signature (Jacobs, Finkelstein & Salesin 1995): 128×128 YIQ, the
 * HAAR_COEFS largest coefficients per channel as signed positions plus the three DC averages, and the
 * weighted distance between two signatures.
 */
import { HAAR_COEFS, HAAR_SIZE, type Rgb } from './feature-types.js';
import { resizePlane } from './resize.js';

/** imgSeek/iqdb weights for "scanned" pictures: [bin][channel]. */
export const HAAR_WEIGHTS: readonly (readonly [number, number, number])[] = [
  [5.0, 19.21, 34.37],
  [0.83, 1.26, 0.36],
  [1.01, 0.44, 0.45],
  [0.52, 0.53, 0.14],
  [0.47, 0.28, 0.18],
  [0.3, 0.14, 0.27],
];

/** imgbin: min(max(row, col), 5) for each of the 128×128 positions. */
export const HAAR_BIN: Uint8Array = (() => {
  const b = new Uint8Array(HAAR_SIZE * HAAR_SIZE);
  for (let i = 0; i < HAAR_SIZE; i++) for (let j = 0; j < HAAR_SIZE; j++) b[i * HAAR_SIZE + j] = Math.min(Math.max(i, j), 5);
  return b;
})();

function haar1d(a: Float32Array, off: number, stride: number, n: number, tmp: Float32Array) {
  // standard (full) decomposition of one row/column, imgSeek-style (divide by sqrt 2). Each level's
  // details are final: they go straight to `a`, and the averages stay in tmp in place (average k is
  // written after inputs 2k and 2k+1 were read, and later ones read only past 2k+1), with the same
  // float32 rounding as the staged copies this replaces
  const sq = Math.sqrt(n);
  for (let i = 0; i < n; i++) tmp[i] = a[off + i * stride]! / sq;
  for (let h = n; h > 1; h >>= 1) {
    const h1 = h >> 1;
    for (let k = 0; k < h1; k++) {
      const x = tmp[2 * k]!;
      const y = tmp[2 * k + 1]!;
      tmp[k] = (x + y) / Math.SQRT2;
      a[off + (k + h1) * stride] = (x - y) / Math.SQRT2;
    }
  }
  a[off] = tmp[0]!;
}

function haar2d(a: Float32Array) {
  const n = HAAR_SIZE;
  const tmp = new Float32Array(n);
  for (let r = 0; r < n; r++) haar1d(a, r * n, 1, n, tmp);
  for (let c = 0; c < n; c++) haar1d(a, c, n, n, tmp);
}

function topCoefs(a: Float32Array, k: number): number[] {
  // indices (excluding DC) of the k largest |a[i]|, ties broken by lower index; sorted by index
  const idx = new Int32Array(k);
  const mag = new Float32Array(k);
  let n = 0;
  let minPos = 0;
  for (let i = 1; i < a.length; i++) {
    const m = Math.abs(a[i]!);
    if (n < k) {
      idx[n] = i;
      mag[n] = m;
      n++;
      if (n === k) {
        minPos = 0;
        for (let j = 1; j < k; j++) if (mag[j]! < mag[minPos]!) minPos = j;
      }
    } else if (m > mag[minPos]!) {
      idx[minPos] = i;
      mag[minPos] = m;
      minPos = 0;
      for (let j = 1; j < k; j++) if (mag[j]! < mag[minPos]!) minPos = j;
    }
  }
  return Array.from(idx.subarray(0, n)).sort((x, y) => x - y);
}

/** Position permutation and sign of a full 1-D Haar decomposition when the signal is reversed. */
const HAAR_FLIP: { perm: Int32Array; sign: Float32Array } = (() => {
  const n = HAAR_SIZE;
  const perm = new Int32Array(n);
  const sign = new Float32Array(n);
  perm[0] = 0;
  sign[0] = 1;
  for (let m = 1; m < n; m *= 2) {
    for (let j = 0; j < m; j++) {
      perm[m + j] = m + (m - 1 - j);
      sign[m + j] = -1;
    }
  }
  return { perm, sign };
})();

function signatureOfPlanes(planes: Float32Array[]): { dc: [number, number, number]; coefs: Int16Array } {
  const n = HAAR_SIZE;
  const coefs = new Int16Array(3 * HAAR_COEFS);
  const dc: [number, number, number] = [0, 0, 0];
  planes.forEach((ch, c) => {
    dc[c] = ch[0]! / (n * 256);
    const idx = topCoefs(ch, HAAR_COEFS);
    idx.forEach((p, k) => {
      coefs[c * HAAR_COEFS + k] = ch[p]! > 0 ? p : -p;
    });
  });
  return { dc, coefs };
}

/**
 * Haar signatures of an image and of its mirror image. The mirror's transform is derived from the
 * image's (reversing a row permutes and negates its detail coefficients), so the pair costs one.
 */
export function haarSignaturePair(img: Rgb): { plain: ReturnType<typeof haarSignature>; mirror: ReturnType<typeof haarSignature> } {
  const planes = haarPlanes(img);
  const n = HAAR_SIZE;
  const { perm, sign } = HAAR_FLIP;
  const mirrored = planes.map((ch) => {
    const out = new Float32Array(n * n);
    for (let r = 0; r < n; r++) {
      const o = r * n;
      for (let c = 0; c < n; c++) out[o + perm[c]!] = sign[c]! * ch[o + c]!;
    }
    return out;
  });
  return { plain: signatureOfPlanes(planes), mirror: signatureOfPlanes(mirrored) };
}

function haarPlanes(img: Rgb): Float32Array[] {
  const n = HAAR_SIZE;
  const r = resizePlane(img.r, img.width, img.height, n, n);
  const g = resizePlane(img.g, img.width, img.height, n, n);
  const b = resizePlane(img.b, img.width, img.height, n, n);
  const Y = new Float32Array(n * n);
  const I = new Float32Array(n * n);
  const Q = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const R = r[i]!;
    const G = g[i]!;
    const B = b[i]!;
    Y[i] = 0.299 * R + 0.587 * G + 0.114 * B;
    I[i] = 0.596 * R - 0.275 * G - 0.321 * B;
    Q[i] = 0.212 * R - 0.523 * G + 0.311 * B;
  }
  for (const ch of [Y, I, Q]) haar2d(ch);
  return [Y, I, Q];
}

export function haarSignature(img: Rgb): { dc: [number, number, number]; coefs: Int16Array } {
  return signatureOfPlanes(haarPlanes(img));
}

export function haarKey(channel: number, signedPos: number): number {
  // bucket id: channel * 2 * 16384 + sign * 16384 + pos
  return channel * 32768 + (signedPos < 0 ? 16384 : 0) + Math.abs(signedPos);
}

/** The bucket ids of a signature's coefficients. */
function haarKeySet(coefs: Int16Array): Set<number> {
  const s = new Set<number>();
  for (let c = 0; c < 3; c++) for (let k = 0; k < HAAR_COEFS; k++) s.add(haarKey(c, coefs[c * HAAR_COEFS + k]!));
  return s;
}

/**
 * The plain iqdb distance of two signatures (0 = same, 1 = nothing shared): the reference the index's
 * compact distance is checked against.
 */
export function haarDistance(
  q: { dc: readonly number[]; coefs: Int16Array },
  t: { dc: readonly number[]; coefs: Int16Array },
): number {
  let s = 0;
  for (let c = 0; c < 3; c++) s += HAAR_WEIGHTS[0]![c]! * Math.abs(q.dc[c]! - t.dc[c]!);
  const set = haarKeySet(t.coefs);
  let matched = 0;
  let max = 0;
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < HAAR_COEFS; k++) {
      const v = q.coefs[c * HAAR_COEFS + k]!;
      const w = HAAR_WEIGHTS[HAAR_BIN[Math.abs(v)]!]![c]!;
      max += w;
      if (set.has(haarKey(c, v))) matched += w;
    }
  }
  return (s + max - matched) / max;
}
