/**
 * Downloads an image for "search by URL" without letting the server be used to reach its own network
 * (SSRF): every connection's resolved address is checked at connect time (so DNS tricks and redirects to
 * local addresses are refused), redirects are followed by hand (at most 3), with a timeout and a size cap.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { AppError, BadRequestError } from '@waifudex/core/errors';

// Separate lists: a BlockList matches IPv4 addresses against IPv6 rules too (as ::ffff:a.b.c.d).
const blocked4 = new net.BlockList();
const blocked6 = new net.BlockList();
for (const [net4, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) {
  blocked4.addSubnet(net4, bits, 'ipv4');
}
for (const [net6, bits] of [['::', 127], ['::ffff:0:0', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  blocked6.addSubnet(net6, bits, 'ipv6');
}

/** True for loopback, private, link-local, multicast and other non-public addresses. */
export function isBlockedAddress(address: string): boolean {
  return net.isIPv6(address) ? blocked6.check(address, 'ipv6') : blocked4.check(address, 'ipv4');
}

const safeLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isBlockedAddress(a.address));
    if (bad || !list.length) return callback(Object.assign(new Error('blocked address'), { code: 'EBLOCKED' }), '', 4);
    if ((options as dns.LookupAllOptions).all) return (callback as any)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

const fetchError = (status: number, code: string, message: string) => new AppError(status, code, message);

/** GETs an http(s) URL and returns its body, or throws a 4xx/5xx AppError. */
export async function fetchRemoteImage(raw: unknown, o: { maxBytes: number; timeoutMs: number; allowPrivate?: boolean }): Promise<Buffer> {
  if (typeof raw !== 'string' || raw.length > 4096) throw new BadRequestError('Send an http(s) URL in "url".', undefined, 'invalid_url');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError('The URL is not valid.', undefined, 'invalid_url');
  }
  const deadline = Date.now() + o.timeoutMs;
  for (let hop = 0; hop <= 3; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequestError('Only http and https URLs are accepted.', undefined, 'invalid_url');
    if (!o.allowPrivate && net.isIP(url.hostname.replace(/^\[|\]$/g, '')) && isBlockedAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
      throw new BadRequestError('Local and private addresses are not fetched.', undefined, 'invalid_url');
    }
    const res = await getOnce(url, o, Math.max(1, deadline - Date.now()));
    if (res.kind === 'redirect') {
      url = new URL(res.location, url);
      continue;
    }
    return res.body;
  }
  throw fetchError(502, 'fetch_failed', 'The image URL redirected too many times.');
}

type Once = { kind: 'redirect'; location: string } | { kind: 'body'; body: Buffer };

function getOnce(url: URL, o: { maxBytes: number; allowPrivate?: boolean }, timeoutMs: number): Promise<Once> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { lookup: o.allowPrivate ? undefined : safeLookup, headers: { accept: 'image/*', 'user-agent': 'Waifudex' }, timeout: timeoutMs }, (res) => {
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
      res.on('error', () => reject(fetchError(502, 'fetch_failed', 'The image download was interrupted.')));
    });
    req.on('timeout', () => req.destroy(fetchError(504, 'fetch_timeout', 'The image URL did not answer in time.')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof AppError) return reject(err);
      if (err.code === 'EBLOCKED') return reject(new BadRequestError('Local and private addresses are not fetched.', undefined, 'invalid_url'));
      reject(fetchError(502, 'fetch_failed', 'The image URL could not be fetched.'));
    });
  });
}
