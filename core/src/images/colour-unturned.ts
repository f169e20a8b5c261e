/**
 * A hue filter or a recolour? A filter (libvips turns LCh hue) turns *every* colour of the picture by
 * about the same angle; a recolour of one region turns that region and leaves the other colours (the
 * ears, the eyes, a scarf) exactly as they were. When the picture as a whole turns, the share of its
 * colour that kept its original hue tells the two apart: on the development splits the hue-filtered
 * re-posts kept ≤ 2.5 % (pale mouse villagers; most 0), a villager whose blue fur was recoloured to violet (a
 * picture-wide turn of 23° in CIELAB, inside the filter tolerance, every cell turning alike) 8.3 % (its
 * red ears and yellow eyes).
 */

/**
 * Below this picture-wide turn (degrees) nothing is measured: near 0° "kept" and "turned" are one. Re-posts
 * without a filter turn ≤ 3.1° (jpeg30) on the development splits, while a recolour of part of a picture
 * pulls the picture-wide turn part of the way: a face swap whose pasted region was ~20° off read 9.6° (a
 * false match before; unturned 0.26), as did a bird recolour. Hue filters turning 5–7° kept ≤ 3.4 % (at ¼).
 */
export const MIN_TURN = 6;
/**
 * … but 12° for an enlarged small query (its chroma smoothed more): a 46 px villager icon after JPEG q45
 * turned 7.9° by compression alone, 12 % of its colour "kept".
 */
export const MIN_TURN_ENLARGED = 12;
/** A pixel kept its hue when it turned by less than this share of the picture's turn: a colour a recolour
 * left alone turns by nothing, while a filter turns some colours less than others: pale ones (a mouse
 * villager's pale fur by ½ of the 25°), and saturated cyan and blue that leave the sRGB gamut and are
 * clipped back (a cyan horse villager's 25° filter kept 20 % of its colour at ¼, 0.4 % at 1/10; every other
 * of 251 gallery pictures' filters ≤ 3.4 % at ¼, ≤ 0.9 % at 1/10). */
const KEPT_TURN = 0.1;
/** Chroma (a*b* units) a chroma pixel needs on both sides to have a hue worth comparing. */
const MIN_CHROMA = 8;

/**
 * Share (0..1, weighted by |z_a|·|z_b|) of the colourful pixels that turned by less than a tenth (KEPT_TURN) of
 * the picture-wide turn `theta` (radians). `za`, `zb`: interleaved a*, b* of the two aligned sides.
 * 0 when the picture turns by less than `minTurn` (degrees) or has no colour.
 */
export function unturnedShare(za: Float32Array, zb: Float32Array, keep: Uint8Array, theta: number, minTurn = MIN_TURN): number {
  if ((Math.abs(theta) * 180) / Math.PI < minTurn) return 0;
  const near = Math.cos(theta * KEPT_TURN);
  const min2 = MIN_CHROMA * MIN_CHROMA;
  let kept = 0, all = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    const ar = za[2 * i]!, ai = za[2 * i + 1]!, br = zb[2 * i]!, bi = zb[2 * i + 1]!;
    const ma2 = ar * ar + ai * ai, mb2 = br * br + bi * bi;
    if (ma2 < min2 || mb2 < min2) continue;
    // this pixel's turn u = conj(z_a)·z_b (|u| = its weight): kept when |arg u| < KEPT_TURN·|θ|,
    // i.e. Re u > |u|·cos(KEPT_TURN·θ)
    const ur = ar * br + ai * bi;
    const w = Math.sqrt(ma2 * mb2);
    all += w;
    if (ur > w * near) kept += w;
  }
  return all > 0 ? kept / all : 0;
}
