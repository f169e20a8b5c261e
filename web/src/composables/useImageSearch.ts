import { onBeforeUnmount, ref } from 'vue';
import { errorMessage } from '../api/client';
import { searchByImage, searchByUrl, type SearchResultDto } from '../api/search.api';

export const MAX_SEARCH_BYTES = 25 * 1024 * 1024;
const IMAGE_TYPES = /^image\/(jpeg|png|webp|gif|avif|tiff|bmp)$/;

/** "Who is this?": sends a file or URL to the reverse image search and keeps the verdict. */
export function useImageSearch() {
  const result = ref<SearchResultDto | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  const preview = ref<string | null>(null);
  let seq = 0;

  function setPreview(url: string | null) {
    if (preview.value?.startsWith('blob:')) URL.revokeObjectURL(preview.value);
    preview.value = url;
  }

  async function run(task: () => Promise<SearchResultDto>) {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    result.value = null;
    try {
      const r = await task();
      if (mine === seq) result.value = r;
    } catch (e) {
      if (mine === seq) error.value = errorMessage(e, 'Reverse image search');
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Checks what the browser can check (type, size) before uploading; the server checks the content. */
  function searchFile(file: File | Blob) {
    const name = file instanceof File ? file.name : 'pasted image';
    if (file.type && !IMAGE_TYPES.test(file.type)) {
      error.value = `“${name}” is not an image (${file.type}). Use a JPEG, PNG, WebP, GIF or AVIF picture.`;
      result.value = null;
      return;
    }
    if (file.size > MAX_SEARCH_BYTES) {
      error.value = `“${name}” is too large (${(file.size / 1048576).toFixed(1)} MB, the limit is 25 MB).`;
      result.value = null;
      return;
    }
    setPreview(URL.createObjectURL(file));
    return run(() => searchByImage(file, name));
  }

  function searchUrl(url: string) {
    const u = url.trim();
    if (!/^https?:\/\/\S+$/i.test(u)) {
      error.value = 'Enter a full image address starting with http:// or https://';
      result.value = null;
      return;
    }
    setPreview(u);
    return run(() => searchByUrl(u));
  }

  function reset() {
    seq++;
    setPreview(null);
    result.value = null;
    error.value = null;
    loading.value = false;
  }

  onBeforeUnmount(() => setPreview(null));
  return { result, error, loading, preview, searchFile, searchUrl, reset };
}
