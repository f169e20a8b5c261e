// Share → Waifudex (the manifest's share_target): the shared picture is parked in a cache and the app
// opens at /?shared=1, which searches it; a shared link opens /?url=…. Nothing else is intercepted.
const SHARE_CACHE = 'waifudex-share';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'POST' || url.pathname !== '/share') return;
  event.respondWith(
    (async () => {
      let form;
      try {
        form = await event.request.formData();
      } catch {
        return Response.redirect('/?shared=failed', 303);
      }
      const file = form.get('image');
      if (file && typeof file === 'object' && file.size > 0) {
        const cache = await caches.open(SHARE_CACHE);
        await cache.put(
          '/shared-image',
          new Response(file, {
            headers: {
              'content-type': file.type || 'application/octet-stream',
              'x-file-name': encodeURIComponent(file.name || 'shared'),
            },
          }),
        );
        return Response.redirect('/?shared=1', 303);
      }
      const text = `${form.get('url') || ''} ${form.get('text') || ''}`;
      const link = text.match(/https?:\/\/\S+/);
      return Response.redirect(link ? `/?url=${encodeURIComponent(link[0])}` : '/', 303);
    })(),
  );
});
