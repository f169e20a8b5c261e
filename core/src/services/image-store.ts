/**
 * Where image files live: one interface for every path that stores, reads, lists or removes them (ingest,
 * upload, thumbnails, delete, the orphan sweep, reindex, serving), with a local-folder and an S3
 * implementation (core/src/storage). Keys are content addresses (the SHA-256 of the original bytes),
 * never a caption or an upload's file name, so a key never changes meaning and a repeat write is a no-op.
 */
import type { Readable } from 'node:stream';

export { assertImageKey, contentTypeOf, isImageKey, pathsFor, thumbKey } from '../storage/image-keys.js';

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
