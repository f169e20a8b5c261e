/**
 * Worker-thread entry of the image pool (image-pool.ts): runs analyzeImage (decode, hashes, Haar, verify
 * data, thumbnails) so that the JS signature math never runs on a serving thread. Bad input comes back
 * as a value, because an Error crossing the thread boundary loses its class and code.
 */
import { analyzeImage, ImageRejectedError, type AnalyzeOptions, type AnalyzedImage, type ImageRejectionCode } from './analyze-image.js';

export interface AnalyzeTask {
  bytes: Uint8Array;
  opts: AnalyzeOptions;
}

export type AnalyzeReply = { image: AnalyzedImage } | { rejected: { code: ImageRejectionCode; message: string } };

/** @public the handler piscina calls in the worker (loaded by file name, not imported) */
export default async function analyzeTask(task: AnalyzeTask): Promise<AnalyzeReply> {
  try {
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    return { image: await analyzeImage(bytes, task.opts) };
  } catch (err) {
    if (err instanceof ImageRejectedError) return { rejected: { code: err.code, message: err.message } };
    throw err;
  }
}
