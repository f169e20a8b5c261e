/** Writing an analysed image's files (original + srcset thumbnails) through the image store. */
import type { AnalyzedImage } from '../images/analyze-image.js';
import { defaultThumbWidth, type Thumbnail } from '../images/thumbnails.js';
import { createLocalImageStore } from '../storage/local-image-store.js';
import { contentTypeOf, pathsFor, thumbKey, type ImageStore } from './image-store.js';

export interface ImageFiles {
  filePath: string;
  thumbPath: string;
  thumbWidths: number[];
}

/** The store a service was given: `images`, or a local folder store for the `imagesDir` shorthand. */
export function imageStoreOf(deps: { images?: ImageStore; imagesDir?: string }): ImageStore {
  if (deps.images) return deps.images;
  if (deps.imagesDir) return createLocalImageStore(deps.imagesDir);
  throw new Error('no image store given (images or imagesDir)');
}

/** Stores the original and its thumbnails. Files go first and the row after, so a crash leaves only files, which the orphan sweep removes. */
export async function putImageFiles(
  store: ImageStore,
  image: Pick<AnalyzedImage, 'sha256' | 'ext' | 'thumbnails'>,
  bytes: Buffer,
): Promise<ImageFiles> {
  const { filePath } = pathsFor(image.sha256, image.ext);
  await store.put(filePath, bytes, contentTypeOf(filePath));
  return { filePath, ...(await putThumbnails(store, image.sha256, image.thumbnails)) };
}

/** Stores srcset thumbnails; returns their widths and the one-size thumbnail's key. */
export async function putThumbnails(
  store: ImageStore,
  sha256: string,
  thumbs: Thumbnail[],
): Promise<Omit<ImageFiles, 'filePath'>> {
  if (!thumbs.length) throw new Error('no thumbnails to store');
  await Promise.all(thumbs.map((t) => store.put(thumbKey(sha256, t.width), t.bytes, 'image/webp')));
  const thumbWidths = thumbs.map((t) => t.width);
  return { thumbPath: thumbKey(sha256, defaultThumbWidth(thumbWidths)), thumbWidths };
}
