import { thumbKey } from '../storage/image-keys.js';

/** The one builder of public image URLs: each path segment percent-encoded under /images. */
export function imageUrl(storedPath: string): string {
  return `/images/${storedPath.split('/').map(encodeURIComponent).join('/')}`;
}

/** The srcset thumbnails of an artwork (smallest first); empty for one not yet backfilled. */
export function thumbnailUrls(sha256: string, widths: readonly number[]): { url: string; width: number }[] {
  return [...widths].sort((a, b) => a - b).map((w) => ({ url: imageUrl(thumbKey(sha256, w)), width: w }));
}

/**
 * `sizes` of a gallery card's image: its rendered width per Bootstrap breakpoint (row-cols-2 / sm-3 / md-4 /
 * lg-6 inside .container). Shared by the web app's <img> and the server's preload hints, which must match.
 */
export const GALLERY_CARD_SIZES =
  '(min-width: 1400px) 216px, (min-width: 1200px) 186px, (min-width: 992px) 156px, (min-width: 576px) 176px, 50vw';

/** `srcset` of an artwork's thumbnails (undefined for one stored before them). */
export function thumbSrcset(thumbs: readonly { url: string; width: number }[]): string | undefined {
  return thumbs.length ? thumbs.map((t) => `${t.url} ${t.width}w`).join(', ') : undefined;
}
