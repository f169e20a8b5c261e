/** Float verification images (VImg) and chroma as the verifier uses them, and their resampling. */
import { resizePlane } from './resize.js';

/** Half-resolution YIQ chroma (I plane then Q plane). */
export interface Chroma {
  width: number;
  height: number;
  data: Int8Array;
}

export interface VImg {
  width: number;
  height: number;
  data: Float32Array;
}

export function toV(v: { width: number; height: number; data: Uint8Array | Float32Array }): VImg {
  return { width: v.width, height: v.height, data: v.data instanceof Float32Array ? v.data : Float32Array.from(v.data) };
}

export function resizeV(v: VImg, w: number, h: number): VImg {
  return { width: w, height: h, data: resizePlane(v.data, v.width, v.height, w, h) };
}

export function half(v: VImg, factor: number): VImg {
  return resizeV(v, Math.max(4, Math.round(v.width / factor)), Math.max(4, Math.round(v.height / factor)));
}
