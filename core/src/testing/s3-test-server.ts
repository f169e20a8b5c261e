/**
 * Test support: an S3-compatible server (s3rver, in this process, files in a temp folder) with one empty
 * bucket, and the S3 store settings that reach it. s3rver checks request signatures, so wrong credentials fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3StoreConfig } from '../storage/s3-image-store.js';

export interface S3TestServer {
  endpoint: string;
  /** Settings of a store in the bucket under `prefix`. */
  config(prefix?: string): S3StoreConfig;
  close(): Promise<void>;
}

export async function startS3TestServer(bucket = 'waifudex-test'): Promise<S3TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    config: (prefix = 'gallery') => ({
      bucket,
      prefix,
      endpoint,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    }),
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
