/**
 * API answers the server inlined into the page (server/src/routes/home-page.routes.ts), keyed by the API
 * URL the app would ask. Each is used once, for the first request, so later ones are always fresh.
 */
let inlined: Record<string, unknown> | null = null;

export function takeInlined<T>(url: string): T | undefined {
  if (inlined === null) {
    const el = typeof document === 'undefined' ? null : document.getElementById('initial-data');
    try {
      inlined = el?.textContent ? (JSON.parse(el.textContent) as Record<string, unknown>) : {};
    } catch {
      inlined = {};
    }
    el?.remove();
  }
  const v = inlined[url] as T | undefined;
  delete inlined[url];
  return v;
}

// Smallest thumbnails the server inlined (data: URIs) into its first-paint markup, by character id:
// a card shows one under its srcset image until that has loaded, so nothing blanks when the app mounts.
const inlinedThumbs = new Map<string, string>();

export function keepInlinedThumbs(root: HTMLElement | null): void {
  for (const img of root?.querySelectorAll<HTMLImageElement>('img[data-inline-thumb]') ?? [])
    if (img.src.startsWith('data:image/')) inlinedThumbs.set(img.dataset.inlineThumb!, img.src);
}

export const inlinedThumb = (characterId: string): string | undefined => inlinedThumbs.get(characterId);
