/**
 * Where image files live: one interface for every path that stores, reads, lists or removes them (ingest,
 * upload, thumbnails, delete, the orphan sweep, reindex, serving), with a local-folder and an S3
 * implementation (core/src/storage). Keys are content addresses (the SHA-256 of the original bytes),
 * never a caption or an upload's file name, so a key never changes meaning and a repeat write is a no-op.
 */
import type { Readable } from 'node:stream';

export interface StoredPaths {
  /** Store keys, with forward slashes (also the URL path under /images/). */
  filePath: string;
  thumbPath: string;
}

export interface StoredObjectInfo {
  key: string;
  size: number;
  modifiedAt: Date;
}

export interface OpenedObject {
  body: Readable;
  size: number;
  contentType: string;
}

export interface ImageStore {
  readonly kind: 'local' | 's3';
  /** Where it is, for logs (a folder or s3://bucket/prefix; never a credential). */
  readonly location: string;
  /** The folder, for a local store (served as static files); null otherwise. */
  readonly localDir: string | null;
  /** Stores bytes under key unless something is there already (same key = same content). Atomic: a reader never sees half a file. */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** The stored bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  /** A stream of the stored bytes with size and type, or null. */
  open(key: string): Promise<OpenedObject | null>;
  /** Removes objects; missing ones are ignored. */
  remove(keys: string[]): Promise<void>;
  /** Every object under a key prefix (e.g. 'originals/'), leftovers of interrupted writes included. */
  list(prefix: string): AsyncIterable<StoredObjectInfo>;
  /** A time-limited URL a browser can fetch the object from directly, or null when the store has none (local). */
  signedUrl(key: string): Promise<string | null>;
  close?(): Promise<void>;
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
  if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isInteger(width) || width < 10 || width > 9999) throw new Error('invalid thumbnail key');
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
