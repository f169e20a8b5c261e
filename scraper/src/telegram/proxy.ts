/** TELEGRAM_PROXY → GramJS ProxyInterface (GramJS speaks SOCKS4/5 and MTProxy, not HTTP CONNECT). */
import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import { UserError } from '@waifudex/core/errors';

export class UnsupportedProxyError extends UserError {
  override name = 'UnsupportedProxyError';
}

export function parseProxy(url: string | undefined): ProxyInterface | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  const port = Number(u.port);
  const auth = {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
  if (u.protocol === 'socks5:' || u.protocol === 'socks4:') {
    return { ip: u.hostname, port, socksType: u.protocol === 'socks5:' ? 5 : 4, timeout: 10, ...auth };
  }
  throw new UnsupportedProxyError(
    `TELEGRAM_PROXY: ${u.protocol.replace(':', '').toUpperCase()} proxies are not supported by the Telegram client library (GramJS); use socks5://host:port`,
  );
}
