import { thumbKey } from '../storage/image-keys.js';

/** The one builder of public image URLs: each path segment percent-encoded under /images. */
export function imageUrl(storedPath: string): string {
  return `/images/${storedPath.split('/').map(encodeURIComponent).join('/')}`;
}

/** The srcset thumbnails of an artwork (smallest first); empty for one not yet backfilled. */
export function thumbnailUrls(sha256: string, widths: readonly number[]): { url: string; width: number }[] {
  return [...widths].sort((a, b) => a - b).map((w) => ({ url: imageUrl(thumbKey(sha256, w)), width: w }));
}
