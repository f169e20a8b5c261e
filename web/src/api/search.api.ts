import type { SearchResult } from '@waifudex/core/api';
import { api, ApiError } from './client';

export type Verdict = SearchResult['verdict'];
export type SearchMatchDto = SearchResult['matches'][number];
export type SearchResultDto = SearchResult;

export interface UploadOptions {
  /** Fraction 0–1 of the request body sent so far. */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
}

/** Thrown when the user cancels an upload. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

/** POST multipart `image`; XMLHttpRequest because fetch() reports no upload progress. */
export function searchByImage(file: Blob, filename = 'image', opts: UploadOptions = {}): Promise<SearchResultDto> {
  const fd = new FormData();
  fd.append('image', file, filename);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/search/image');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => e.lengthComputable && opts.onProgress?.(e.loaded / e.total);
    xhr.upload.onload = () => opts.onProgress?.(1);
    xhr.onload = () => {
      const body = xhr.response as { error?: { code?: string; message?: string; details?: unknown } } | null;
      if (xhr.status >= 200 && xhr.status < 300 && body) return resolve(body as SearchResultDto);
      reject(
        new ApiError(
          xhr.status,
          body?.error?.code ?? 'error',
          body?.error?.message ?? `${xhr.status} ${xhr.statusText}`,
          body?.error?.details,
        ),
      );
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.'));
    xhr.onabort = () => reject(new CancelledError());
    if (opts.signal?.aborted) return reject(new CancelledError());
    opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(fd);
  });
}

export const searchByUrl = (url: string, signal?: AbortSignal) =>
  api<SearchResultDto>('/api/v1/search/image', { method: 'POST', body: JSON.stringify({ url }), signal }).catch(
    (e: unknown) => {
      if (signal?.aborted) throw new CancelledError();
      throw e;
    },
  );
