/** Test support: a cookie-keeping client for visitor and admin sessions against a test server. */
import type { Db } from '@waifudex/core/db/database';
import { insertCharacter } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';

export interface Client {
  csrf: string | null;
  cookie: string | null;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

export function client(baseUrl: string, cookieName = 'wdx_visitor'): Client {
  const c: Client = {
    csrf: null,
    cookie: null,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(c.cookie ? { cookie: c.cookie } : {}),
          ...(c.csrf ? { 'x-csrf-token': c.csrf } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const set = new RegExp(`${cookieName}=([^;]*)`).exec(res.headers.get('set-cookie') ?? '');
      if (set) c.cookie = set[1] ? `${cookieName}=${set[1]}` : null;
      return res;
    },
    async json(method, path, body) {
      const res = await c.call(method, path, body);
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
  return c;
}

/** Signs a visitor up (or in) and keeps the session's CSRF token. */
export async function signUp(baseUrl: string, username: string, extra: { invite?: string } = {}): Promise<Client> {
  const v = client(baseUrl);
  const res = await v.call('POST', '/api/v1/visitor/signup', { username, password: 'visitor password 1', ...extra });
  if (res.status !== 201) throw new Error(`sign-up ${username}: ${res.status} ${await res.text()}`);
  v.csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
  return v;
}

/** An admin session (the admin is created with this password first). */
export async function adminClient(
  baseUrl: string,
  setPassword: (u: string, p: string) => Promise<void>,
): Promise<Client> {
  await setPassword('admin', 'admin password 1');
  const a = client(baseUrl, 'wdx_session');
  const res = await a.call('POST', '/api/v1/auth/login', { username: 'admin', password: 'admin password 1' });
  if (res.status !== 200) throw new Error(`admin login: ${res.status}`);
  a.csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
  return a;
}

/** A visible character without artwork; returns its id. */
export function addCharacter(
  db: Db,
  c: {
    name: string;
    anime?: string | null;
    rarity?: string | null;
    rarityEmoji?: string | null;
    sourceId?: string | null;
    channelId?: string | null;
  },
) {
  return insertCharacter(db, {
    channelId: c.channelId ?? null,
    name: c.name,
    anime: c.anime ?? null,
    rarity: c.rarity ?? null,
    rarityEmoji: c.rarityEmoji ?? null,
    sourceId: c.sourceId ?? null,
    variant: null,
    captionFamily: null,
    parseConfidence: 1,
    rawCaption: '',
    needsReview: false,
    nameSearch: normalizeForSearch(c.name),
    animeSearch: normalizeForSearch(c.anime ?? ''),
  });
}
