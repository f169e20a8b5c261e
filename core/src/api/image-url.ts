/** The one builder of public image URLs: each path segment percent-encoded under /images. */
export function imageUrl(storedPath: string): string {
  return `/images/${storedPath.split('/').map(encodeURIComponent).join('/')}`;
}
