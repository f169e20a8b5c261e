/**
 * Downloads an image for "search by URL" without letting the server be used to reach its own network
 * (SSRF): every connection's resolved address is checked at connect time (so DNS tricks and redirects to
 * local addresses are refused), redirects are followed by hand (at most 3), with a size cap and ONE total
 * deadline for the whole download: a server dripping a byte at a time cannot hold the request open.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { UserError, BadRequestError } from '@waifudex/core/errors';

/**
 * True for every address that is not plain public unicast, by ipaddr.js's named ranges: loopback, private,
 * link-local, CGNAT, multicast, reserved (192.88.99.0/24 …), and IPv6 forms that embed or tunnel to IPv4
 * (IPv4-mapped/compatible, SIIT ::ffff:0:0/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4, Teredo).
 */
export function isBlockedAddress(address: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return true;
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // Only global unicast 2000::/3 reaches the internet; ::/8 holds the deprecated IPv4-compatible ::a.b.c.d.
    if (!v6.match(ipaddr.IPv6.parse('2000::'), 3)) return true;
    return v6.range() !== 'unicast';
  }
  return ip.range() !== 'unicast';
}

/** dns.lookup that refuses any answer with a blocked address (checked at connect time, so a redirect or DNS change cannot slip past). */
export const safeLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isBlockedAddress(a.address));
    if (bad || !list.length) return callback(Object.assign(new Error('blocked address'), { code: 'EBLOCKED' }), '', 4);
    if ((options as dns.LookupAllOptions).all) return (callback as any)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

const fetchError = (status: number, code: string, message: string) =>
  new UserError(message, { status: status, code: code });

/** GETs an http(s) URL and returns its body, or throws a 4xx/5xx UserError. */
export async function fetchRemoteImage(
  raw: unknown,
  o: { maxBytes: number; timeoutMs: number; allowPrivate?: boolean },
): Promise<Buffer> {
  if (typeof raw !== 'string' || raw.length > 4096)
    throw new BadRequestError('Send an http(s) URL in "url".', undefined, 'invalid_url');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError('The URL is not valid.', undefined, 'invalid_url');
  }
  const deadline = Date.now() + o.timeoutMs;
  for (let hop = 0; hop <= 3; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new BadRequestError('Only http and https URLs are accepted.', undefined, 'invalid_url');
    if (
      !o.allowPrivate &&
      net.isIP(url.hostname.replace(/^\[|\]$/g, '')) &&
      isBlockedAddress(url.hostname.replace(/^\[|\]$/g, ''))
    ) {
      throw new BadRequestError('Local and private addresses are not fetched.', undefined, 'invalid_url');
    }
    const res = await getOnce(url, o, deadline);
    if (res.kind === 'redirect') {
      try {
        url = new URL(res.location, url);
      } catch {
        throw fetchError(502, 'fetch_failed', 'The image URL redirected to an invalid address.');
      }
      continue;
    }
    return res.body;
  }
  throw fetchError(502, 'fetch_failed', 'The image URL redirected too many times.');
}

type Once = { kind: 'redirect'; location: string } | { kind: 'body'; body: Buffer };

function getOnce(url: URL, o: { maxBytes: number; allowPrivate?: boolean }, deadline: number): Promise<Once> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // `timeout` of http.get is an idle timeout that every received byte restarts; this one does not restart.
    const timer = setTimeout(
      () => {
        reject(fetchError(504, 'fetch_timeout', 'The image URL did not answer in time.'));
        req.destroy();
      },
      Math.max(1, deadline - Date.now()),
    );
    const done =
      <T>(f: (v: T) => void) =>
      (v: T) => {
        clearTimeout(timer);
        f(v);
      };
    resolve = done(resolve);
    reject = done(reject);
    const req = lib.get(
      url,
      { lookup: o.allowPrivate ? undefined : safeLookup, headers: { accept: 'image/*', 'user-agent': 'Waifudex' } },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          return resolve({ kind: 'redirect', location: res.headers.location });
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return reject(fetchError(502, 'fetch_failed', `The image URL answered HTTP ${status}.`));
        }
        if (Number(res.headers['content-length'] ?? 0) > o.maxBytes) {
          res.destroy();
          return reject(fetchError(413, 'too_large', `The image is larger than ${o.maxBytes} bytes.`));
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > o.maxBytes) {
            res.destroy();
            reject(fetchError(413, 'too_large', `The image is larger than ${o.maxBytes} bytes.`));
          } else chunks.push(c);
        });
        res.on('end', () => resolve({ kind: 'body', body: Buffer.concat(chunks) }));
        res.on('error', (err) =>
          reject(
            err instanceof UserError ? err : fetchError(502, 'fetch_failed', 'The image download was interrupted.'),
          ),
        );
        res.on(
          'close',
          () => !res.complete && reject(fetchError(502, 'fetch_failed', 'The image download was interrupted.')),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof UserError) return reject(err);
      if (err.code === 'EBLOCKED')
        return reject(new BadRequestError('Local and private addresses are not fetched.', undefined, 'invalid_url'));
      reject(fetchError(502, 'fetch_failed', 'The image URL could not be fetched.'));
    });
  });
}
