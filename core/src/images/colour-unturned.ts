/**
 * A hue filter or a recolour? A filter (libvips turns LCh hue) turns *every* colour of the picture by
 * about the same angle; a recolour of one region turns that region and leaves the other colours (the
 * ears, the eyes, a scarf) exactly as they were. When the picture as a whole turns, the share of its
 * colour that kept its original hue tells the two apart: on the development splits the hue-filtered
 * re-posts kept ≤ 0.7 %, a villager whose blue fur was recoloured to violet (a picture-wide turn of 23°
 * in CIELAB, inside the filter tolerance, every cell turning alike) kept 12.6 % (its red ears and yellow eyes).
 */

/** Below this picture-wide turn (degrees) nothing is measured: re-encodes turn ≤ 9°, and near 0° "kept" and "turned" are one. */
const MIN_TURN = 12;
/** Chroma (a*b* units) a chroma pixel needs on both sides to have a hue worth comparing. */
const MIN_CHROMA = 8;

/**
 * Share (0..1, weighted by |z_a|·|z_b|) of the colourful pixels whose own turn is nearer to none than
 * to the picture-wide turn `theta` (radians). `za`, `zb`: interleaved a*, b* of the two aligned sides.
 * 0 when the picture turns by less than MIN_TURN or has no colour.
 */
export function unturnedShare(za: Float32Array, zb: Float32Array, keep: Uint8Array, theta: number): number {
  if ((Math.abs(theta) * 180) / Math.PI < MIN_TURN) return 0;
  const cos = Math.cos(theta), sin = Math.sin(theta);
  const min2 = MIN_CHROMA * MIN_CHROMA;
  let kept = 0, all = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    const ar = za[2 * i]!, ai = za[2 * i + 1]!, br = zb[2 * i]!, bi = zb[2 * i + 1]!;
    const ma2 = ar * ar + ai * ai, mb2 = br * br + bi * bi;
    if (ma2 < min2 || mb2 < min2) continue;
    // this pixel's turn u = conj(z_a)·z_b (|u| = its weight): nearer to none than to θ when
    // cos(arg u) > cos(arg u − θ), i.e. Re u > Re(u·e^{−iθ})
    const ur = ar * br + ai * bi, ui = ar * bi - ai * br;
    const w = Math.sqrt(ma2 * mb2);
    all += w;
    if (ur > ur * cos + ui * sin) kept += w;
  }
  return all > 0 ? kept / all : 0;
}
