/** fetch wrapper: JSON in/out, errors as ApiError with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (t: string | null) => {
  csrfToken = t;
};
// A visitor session has its own CSRF token; its routes are the visitor's own (/me, /visitor, comments).
let visitorCsrfToken: string | null = null;
export const setVisitorCsrfToken = (t: string | null) => {
  visitorCsrfToken = t;
};
const isVisitorPath = (path: string) => /^\/api\/v1\/(?:me\/|visitor\/|characters\/\d+\/comments$)/.test(path);

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body && !(init.body instanceof FormData)) headers.set('Content-Type', 'application/json');
  const token = isVisitorPath(path) ? visitorCsrfToken : csrfToken;
  if (token && init.method && init.method !== 'GET') headers.set('X-CSRF-Token', token);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (res.status === 204 || (res.status === 202 && res.headers.get('content-length') === '0')) return undefined as T;
  const body = await res.json().catch(() => null);
  if (!res.ok)
    throw new ApiError(
      res.status,
      body?.error?.code ?? 'error',
      body?.error?.message ?? `${res.status} ${res.statusText}`,
      body?.error?.details,
    );
  return body as T;
}

/** A message for the user; `feature` names what is missing when the route is not on this server. */
export function errorMessage(e: unknown, feature?: string): string {
  if (e instanceof ApiError && e.status === 404 && e.code === 'not_found' && feature && /^no route /.test(e.message)) {
    return `${feature} is not available on this server yet.`;
  }
  return e instanceof Error ? e.message : String(e);
}
