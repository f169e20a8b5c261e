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
