import { onBeforeUnmount, ref } from 'vue';
import { errorMessage } from '../api/client';
import { CancelledError, searchByImage, searchByUrl, type SearchResultDto } from '../api/search.api';
import { shrinkForUpload } from '../lib/shrink-image';
import { latestOnly } from '../lib/latest-only';

export const MAX_SEARCH_BYTES = 25 * 1024 * 1024;
const IMAGE_TYPES = /^image\/(jpeg|png|webp|gif|avif|tiff|bmp)$/;

export type SearchPhase = 'idle' | 'preparing' | 'uploading' | 'searching' | 'done' | 'error';
/** What the last upload put on the wire; shown small under the answer, and read by the browser tests. */
export interface UploadStats {
  originalBytes: number;
  sentBytes: number;
  shrunk: boolean;
}

/** "Who is this?": shrinks and sends a file (or a URL) to the reverse image search and keeps the verdict. */
export function useImageSearch() {
  const result = ref<SearchResultDto | null>(null);
  const error = ref<string | null>(null);
  const phase = ref<SearchPhase>('idle');
  const progress = ref(0);
  const preview = ref<string | null>(null);
  /** Real wait the user had (shrink + upload + answer), in ms. */
  const waitedMs = ref<number | null>(null);
  const upload = ref<UploadStats | null>(null);
  const latest = latestOnly();
  let controller: AbortController | null = null;

  function setPreview(url: string | null) {
    if (preview.value?.startsWith('blob:')) URL.revokeObjectURL(preview.value);
    preview.value = url;
  }
  function fail(message: string) {
    latest.cancel();
    controller?.abort();
    result.value = null;
    error.value = message;
    phase.value = 'error';
  }

  async function run(task: (mine: () => boolean, signal: AbortSignal) => Promise<SearchResultDto>) {
    const mine = latest.begin();
    controller?.abort();
    const ctrl = (controller = new AbortController());
    const t0 = performance.now();
    error.value = null;
    result.value = null;
    progress.value = 0;
    waitedMs.value = null;
    try {
      const r = await task(mine, ctrl.signal);
      if (!mine()) return;
      result.value = r;
      waitedMs.value = Math.round(performance.now() - t0);
      phase.value = 'done';
    } catch (e) {
      if (!mine()) return;
      if (e instanceof CancelledError) phase.value = 'idle';
      else fail(errorMessage(e, 'Reverse image search'));
    }
  }

  /** Checks what the browser can check (type, size), shrinks, then uploads; the server checks the content. */
  function searchFile(file: File | Blob) {
    const name = file instanceof File && file.name ? file.name : 'pasted-image.png';
    if (file.type && !IMAGE_TYPES.test(file.type))
      return fail(`“${name}” is not an image (${file.type}). Use a JPEG, PNG, WebP, GIF or AVIF picture.`);
    if (file.size > MAX_SEARCH_BYTES)
      return fail(`“${name}” is too large (${(file.size / 1048576).toFixed(1)} MB, the limit is 25 MB).`);
    setPreview(URL.createObjectURL(file));
    return run(async (mine, signal) => {
      phase.value = 'preparing';
      const small = await shrinkForUpload(file, name);
      if (!mine()) throw new CancelledError();
      upload.value = { originalBytes: small.originalBytes, sentBytes: small.blob.size, shrunk: small.shrunk };
      phase.value = 'uploading';
      return searchByImage(small.blob, small.name, {
        signal,
        onProgress: (p) => {
          if (!mine()) return;
          progress.value = p;
          if (p >= 1) phase.value = 'searching';
        },
      });
    });
  }

  function searchUrl(url: string) {
    const u = url.trim();
    if (!/^https?:\/\/\S+$/i.test(u)) return fail('Enter a full image address starting with http:// or https://');
    setPreview(null); // a remote picture is not loaded in the page (the CSP allows our own images only, and it would tell that host who looked)
    upload.value = null;
    return run((_mine, signal) => {
      phase.value = 'searching';
      return searchByUrl(u, signal);
    });
  }

  /** Stops the upload or the wait; the last answer is cleared. */
  function cancel() {
    latest.cancel();
    controller?.abort();
    phase.value = 'idle';
    progress.value = 0;
  }

  function reset() {
    cancel();
    setPreview(null);
    result.value = null;
    error.value = null;
  }

  onBeforeUnmount(() => {
    cancel();
    setPreview(null);
  });
  return { result, error, phase, progress, preview, waitedMs, upload, searchFile, searchUrl, cancel, reset };
}
