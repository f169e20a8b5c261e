/**
 * Image store in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Garage) under a key prefix.
 * Loaded only when IMAGES_STORE=s3://… (the SDK is not imported by a local install's processes).
 */
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentTypeOf, type ImageStore, type StoredObjectInfo } from '../services/image-store.js';

export interface S3StoreConfig {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' = the bucket's root). */
  prefix: string;
  /** Endpoint of a non-AWS service (MinIO, R2 …); unset = AWS. */
  endpoint?: string;
  region: string;
  /** Unset = the SDK's default chain (env, shared files, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** bucket in the path instead of the host name (MinIO, most self-hosted servers). */
  forcePathStyle: boolean;
  /** Keys per list request (S3's maximum, 1000, when unset; tests page with less). */
  listPageSize?: number;
}

/** Objects never change under a key (content addresses), so every cache may keep them for a year. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** Signed URLs live 7 days (SigV4's maximum) and are signed at the start of the current day, so a browser sees the same URL all day and can cache it. */
export const SIGNED_URL_TTL_S = 7 * 24 * 3600;
const SIGN_BUCKET_MS = 24 * 3600 * 1000;

export function createS3ImageStore(cfg: S3StoreConfig): ImageStore {
  const client = new S3Client({
    region: cfg.region,
    endpoint: cfg.endpoint,
    forcePathStyle: cfg.forcePathStyle,
    credentials:
      cfg.accessKeyId && cfg.secretAccessKey
        ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey }
        : undefined,
    // Checksums only where S3 demands them: several compatible servers reject the newer default headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = cfg.bucket;
  const base = cfg.prefix ? `${cfg.prefix}/` : '';
  const full = (key: string) => `${base}${key}`;

  async function exists(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket, Key: full(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async function open(key: string) {
    try {
      const r = await client.send(new GetObjectCommand({ Bucket, Key: full(key) }));
      return {
        body: r.Body as Readable,
        size: Number(r.ContentLength ?? 0),
        contentType: r.ContentType || contentTypeOf(key),
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async function* list(prefix: string): AsyncGenerator<StoredObjectInfo> {
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket, Prefix: full(prefix), ContinuationToken, MaxKeys: cfg.listPageSize }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key?.startsWith(base)) continue;
        yield { key: o.Key.slice(base.length), size: Number(o.Size ?? 0), modifiedAt: o.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  return {
    kind: 's3',
    location: `s3://${cfg.bucket}${cfg.prefix ? `/${cfg.prefix}` : ''}${cfg.endpoint ? ` at ${new URL(cfg.endpoint).host}` : ''}`,
    localDir: null,
    async put(key, bytes, contentType) {
      if (await exists(key)) return;
      // A PUT is atomic: the object appears whole or not at all.
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: full(key),
          Body: bytes,
          ContentType: contentType,
          CacheControl: IMMUTABLE_CACHE,
        }),
      );
    },
    exists,
    async get(key) {
      const o = await open(key);
      if (!o) return null;
      const chunks: Buffer[] = [];
      for await (const c of o.body) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    open,
    async remove(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const Objects = keys.slice(i, i + 1000).map((k) => ({ Key: full(k) }));
        const r = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
        const failed = (r.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length)
          throw new Error(`could not remove ${failed.length} objects from the store: ${failed[0]!.Code ?? 'error'}`);
      }
    },
    list,
    async signedUrl(key) {
      const signingDate = new Date(Math.floor(Date.now() / SIGN_BUCKET_MS) * SIGN_BUCKET_MS);
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: full(key) }), {
        expiresIn: SIGNED_URL_TTL_S,
        signingDate,
      });
    },
    async close() {
      client.destroy();
    },
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
