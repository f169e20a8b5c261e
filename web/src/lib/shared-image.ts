/** The picture the service worker parked for /?shared=1 (Share → Waifudex), taken out of its cache once. */
export async function takeSharedImage(): Promise<File | null> {
  if (!('caches' in window)) return null;
  const cache = await caches.open('waifudex-share');
  const res = await cache.match('/shared-image');
  if (!res) return null;
  await cache.delete('/shared-image');
  const blob = await res.blob();
  return new File([blob], decodeURIComponent(res.headers.get('x-file-name') ?? 'shared'), { type: blob.type });
}

/** Registers the service worker that receives shares (best effort: the app works without it). */
export function registerShareTarget(): void {
  if ('serviceWorker' in navigator && window.isSecureContext)
    void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}
