/**
 * Store keys of image files (no Node APIs: the web app builds thumbnail URLs with them too). Keys are
 * content addresses, the SHA-256 of the original bytes, never a caption or an upload's file name.
 */
export interface StoredPaths {
  /** Store keys, with forward slashes (also the URL path under /images/). */
  filePath: string;
  thumbPath: string;
}

const KEY_RE = /^(originals|thumbs)\/[0-9a-f]{2}\/[0-9a-f]{64}(-\d{2,4})?\.[a-z0-9]{2,5}$/;

/** True for a key this app writes (anything else, e.g. `../x` or a stray upload, is refused). */
export function isImageKey(key: string): boolean {
  return KEY_RE.test(key);
}

/** Throws unless the key is one this app writes. */
export function assertImageKey(key: string): void {
  if (!isImageKey(key)) throw new Error(`not an image key: ${key.slice(0, 200)}`);
}

/** Where an image with this hash is stored (thumbPath: the thumbnail used where one size is enough). */
export function pathsFor(sha256: string, ext: string, thumbWidth?: number): StoredPaths {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[a-z0-9]{2,5}$/.test(ext)) throw new Error('invalid image key');
  return {
    filePath: `originals/${sha256.slice(0, 2)}/${sha256}.${ext}`,
    thumbPath: thumbWidth ? thumbKey(sha256, thumbWidth) : `thumbs/${sha256.slice(0, 2)}/${sha256}.webp`,
  };
}

/** Key of the WebP thumbnail of this width. */
export function thumbKey(sha256: string, width: number): string {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isInteger(width) || width < 10 || width > 9999)
    throw new Error('invalid thumbnail key');
  return `thumbs/${sha256.slice(0, 2)}/${sha256}-${width}.webp`;
}

/** Content type of a stored key, from its extension (stored keys carry the content-detected one). */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1);
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
};
