/** The configured image store (IMAGES_STORE). The S3 SDK is imported only when the store is S3. */
import type { ImageStoreConfig } from '../config/env.js';
import type { ImageStore } from '../services/image-store.js';
import { createLocalImageStore } from './local-image-store.js';

export async function openImageStore(cfg: ImageStoreConfig): Promise<ImageStore> {
  if (cfg.kind === 'local') return createLocalImageStore(cfg.dir);
  const { createS3ImageStore } = await import('./s3-image-store.js');
  return createS3ImageStore(cfg.s3);
}
