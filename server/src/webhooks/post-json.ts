/**
 * One webhook POST through the URL-search address guard: a literal private/loopback address is refused at
 * once, a host name is checked at connect time (safeLookup), redirects are not followed, one deadline for
 * the whole exchange, and the answer's body is read only up to a few KB (it is not used).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isBlockedAddress, safeLookup } from '../http/fetch-remote-image.js';

export type PostOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

const MAX_ANSWER_BYTES = 16 * 1024;

/** True when the URL's host is a literal address the guard refuses. */
export function isBlockedLiteral(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return net.isIP(host) !== 0 && isBlockedAddress(host);
}

export function postJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  o: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostOutcome> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve({ ok: false, status: null, error: 'invalid URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.resolve({ ok: false, status: null, error: 'only http and https URLs' });
  if (!o.allowPrivate && isBlockedLiteral(url))
    return Promise.resolve({
      ok: false,
      status: null,
      error: 'private or loopback address refused (allow it explicitly for this webhook)',
    });
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = lib.request(
      url,
      {
        method: 'POST',
        lookup: o.allowPrivate ? undefined : safeLookup,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let got = 0;
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (got > MAX_ANSWER_BYTES) res.destroy();
        });
        const finish = () => {
          if (status >= 200 && status < 300) done({ ok: true, status });
          else if (status >= 300 && status < 400)
            done({ ok: false, status, error: `HTTP ${status}: redirects are not followed` });
          else done({ ok: false, status, error: `HTTP ${status}` });
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      done({ ok: false, status: null, error: `no answer within ${Math.round(o.timeoutMs / 1000)} s` });
      req.destroy();
    }, o.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({
        ok: false,
        status: null,
        error:
          err.code === 'EBLOCKED'
            ? 'private or loopback address refused (allow it explicitly for this webhook)'
            : `connection failed (${err.code ?? err.message})`,
      });
    });
    req.end(body);
  });
}
