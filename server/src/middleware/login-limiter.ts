/**
 * Brute-force guard of the login, in memory (one server process). Failures are counted per
 * (address, username) and per address; both lock for the rest of the window when used up. Per username
 * alone they only add a growing, capped delay: locking a name would let anyone lock the real admin out.
 * An attempt reserves its slot before the password is checked, so a concurrent burst cannot overrun the budget.
 */
import ipaddr from 'ipaddr.js';
import { TooManyRequestsError } from '@waifudex/core/errors';

/** Buckets kept at most; beyond it the oldest go first, so a flood of made-up names cannot exhaust memory. */
const MAX_BUCKETS = 50_000;

/** An IPv6 client usually holds a whole /64, so it counts as one address. */
function addressKey(address: string): string {
  try {
    const ip = ipaddr.process(address);
    if (ip.kind() === 'ipv6')
      return `${(ip as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
    return ip.toString();
  } catch {
    return address;
  }
}

export interface LoginLimiterOptions {
  /** Failures per (address, username) and window (default 5). */
  maxPerPair?: number;
  /** Failures per address and window (default 20). */
  maxPerAddress?: number;
  windowMs?: number;
  /** Failures of a username after which its attempts are slowed down (default 5). */
  slowAfter?: number;
  /** Largest delay of one attempt (default 5 s). */
  maxDelayMs?: number;
  now?: () => number;
}

interface Bucket {
  failures: number;
  inFlight: number;
  resetAt: number;
}

export interface LoginAttempt {
  /** Wait this long before checking the password. */
  delayMs: number;
  /** Records the outcome and frees the reservation. */
  settle(ok: boolean): void;
}

const minutes = (s: number) => Math.max(1, Math.ceil(s / 60));

export function createLoginLimiter(opts: LoginLimiterOptions = {}) {
  const { maxPerPair = 5, maxPerAddress = 20, windowMs = 15 * 60_000, slowAfter = 5, maxDelayMs = 5000 } = opts;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, Bucket>();

  function bucket(key: string): Bucket {
    const t = now();
    let b = buckets.get(key);
    if (!b || (b.resetAt <= t && b.inFlight === 0)) {
      b = { failures: 0, inFlight: 0, resetAt: t + windowMs };
      buckets.set(key, b);
    }
    return b;
  }

  function refuse(b: Bucket, who: string): never {
    const seconds = Math.max(1, Math.ceil((b.resetAt - now()) / 1000));
    throw new TooManyRequestsError(
      `Too many failed logins ${who}. Try again in ${minutes(seconds)} minute(s).`,
      seconds,
    );
  }

  function sweep() {
    if (buckets.size < MAX_BUCKETS) return;
    const t = now();
    for (const [k, b] of buckets) if (b.resetAt <= t && b.inFlight === 0) buckets.delete(k);
    for (const [k, b] of buckets) {
      if (buckets.size < MAX_BUCKETS * 0.9) break;
      // Per-address buckets are kept: dropping them would hand an attacker a fresh budget.
      if (b.inFlight === 0 && !k.startsWith('addr:')) buckets.delete(k);
    }
  }

  return {
    /** Reserves one attempt or throws 429 (with the wait) when the address or the pair has no budget left. */
    begin(address: string, username: string): LoginAttempt {
      sweep();
      const user = username.toLowerCase();
      address = addressKey(address);
      const pair = bucket(`pair:${address}\u0000${user}`);
      const addr = bucket(`addr:${address}`);
      const name = bucket(`user:${user}`);
      if (pair.failures + pair.inFlight >= maxPerPair) refuse(pair, 'for this username from your address');
      if (addr.failures + addr.inFlight >= maxPerAddress) refuse(addr, 'from your address');
      const held = [pair, addr, name];
      for (const b of held) b.inFlight++;
      const over = name.failures - slowAfter;
      const delayMs = over < 0 ? 0 : Math.min(maxDelayMs, 250 * 2 ** Math.min(over, 10));
      let settled = false;
      return {
        delayMs,
        settle(ok: boolean) {
          if (settled) return;
          settled = true;
          for (const b of held) b.inFlight--;
          if (ok) {
            pair.failures = 0;
            name.failures = 0;
          } else for (const b of held) b.failures++;
        },
      };
    },
  };
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
