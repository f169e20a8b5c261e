/**
 * Shrinks a picture in the browser before it is uploaded (issue 12): a 2.4 MB phone screenshot took
 * 26 s on slow 4G, where upload time dominates the answer. The engine scales every query to 512 px on
 * its longest side (WORK_SIDE in core/src/images/analyze-image.ts), so 1024 px at q 0.8 keeps twice what
 * it reads: on 40 gallery pictures as phone screenshots and as combined edits, all were still named at
 * `match` (as with the original and with 1280 px at q 0.9), at ~20 KB instead of ~35 KB; q 0.7 lost one.
 */
export const MAX_SIDE = 1024;
/** Below this size and within MAX_SIDE the original is sent as it is (re-encoding would gain little). */
export const KEEP_BYTES = 400 * 1024;
const QUALITY = 0.8;

export interface ShrunkImage {
  blob: Blob;
  /** The file name to send, with the extension of the encoded type. */
  name: string;
  originalBytes: number;
  shrunk: boolean;
  width: number | null;
  height: number | null;
}

async function encode(canvas: OffscreenCanvas | HTMLCanvasElement, type: string): Promise<Blob | null> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type, quality: QUALITY }).catch(() => null);
  return new Promise((resolve) => (canvas as HTMLCanvasElement).toBlob(resolve, type, QUALITY));
}

function makeCanvas(w: number, h: number): OffscreenCanvas | HTMLCanvasElement {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

const rename = (name: string, type: string) =>
  `${name.replace(/\.[a-z0-9]{1,5}$/i, '') || 'image'}.${type === 'image/webp' ? 'webp' : 'jpg'}`;

/**
 * Longest side ≤ MAX_SIDE, WebP (JPEG where the browser cannot encode WebP) at q 0.8 on white (JPEG has
 * no alpha). The original is kept when it is already small, when the browser cannot decode it (the
 * server then gives the real reason), or when the re-encoded copy is not smaller.
 */
export async function shrinkForUpload(file: Blob, name: string): Promise<ShrunkImage> {
  const keep = (width: number | null = null, height: number | null = null): ShrunkImage => ({
    blob: file,
    name,
    originalBytes: file.size,
    shrunk: false,
    width,
    height,
  });
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return keep();
  }
  try {
    const { width, height } = bitmap;
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    if (scale === 1 && file.size <= KEEP_BYTES) return keep(width, height);
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const canvas = makeCanvas(w, h);
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!ctx) return keep(width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, w, h);
    let blob = await encode(canvas, 'image/webp');
    // Safari's canvas answers PNG when asked for WebP
    if (!blob || blob.type !== 'image/webp') blob = await encode(canvas, 'image/jpeg');
    if (!blob || blob.size >= file.size) return keep(width, height);
    return { blob, name: rename(name, blob.type), originalBytes: file.size, shrunk: true, width: w, height: h };
  } finally {
    bitmap.close();
  }
}
