import type { ArtworkFile } from '@waifudex/core/api';

/**
 * `srcset` of an artwork's WebP thumbnails (240/480/720 px wide), optionally with the original as the
 * largest candidate; undefined for an artwork stored before them (its one thumb_url is used then).
 */
export function srcsetOf(a: Pick<ArtworkFile, 'thumbs' | 'url' | 'width'>, withOriginal = false): string | undefined {
  if (!a.thumbs?.length) return undefined;
  const parts = a.thumbs.map((t) => `${t.url} ${t.width}w`);
  const widest = a.thumbs[a.thumbs.length - 1]!.width;
  if (withOriginal && a.width > widest) parts.push(`${a.url} ${a.width}w`);
  return parts.join(', ');
}

/**
 * Rendered width of a gallery card per Bootstrap breakpoint (row-cols-2 / sm-3 / md-4 / lg-6 in .container).
 * The server's preload hints must use the very same string (GALLERY_CARD_SIZES in core/src/api/image-url.ts; a test compares them).
 */
export const CARD_SIZES =
  '(min-width: 1400px) 216px, (min-width: 1200px) 186px, (min-width: 992px) 156px, (min-width: 576px) 176px, 50vw';
/** The character page's picture (col-md-7 of .container). */
export const DETAIL_SIZES =
  '(min-width: 1400px) 760px, (min-width: 1200px) 655px, (min-width: 992px) 550px, (min-width: 768px) 410px, 100vw';
/** A small artwork thumbnail (row-cols-4 inside col-md-5). */
export const MINI_SIZES = '(min-width: 768px) 120px, 25vw';
