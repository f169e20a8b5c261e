/**
 * Delivers the webhook queue (rows the database triggers add for new characters, artworks and finished syncs,
 * whichever process made them). Wakes on NOTIFY and polls as a fallback; claims rows with a lease, so a
 * restart or a crash mid-send only delays a delivery (it is sent again: at-least-once; receivers dedupe on
 * X-Waifudex-Delivery). Failures retry with exponential backoff until the attempt budget is spent.
 */
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { listen, type Listener } from '@waifudex/core/db/listen';
import { imageUrl } from '@waifudex/core/api/image-url';
import { VERSION } from '@waifudex/core/version';
import {
  claimDueDeliveries,
  finishAttempt,
  pruneDeliveries,
  type DueDelivery,
} from '@waifudex/core/repos/webhooks.repo';
import { postJson, type PostOutcome } from './post-json.js';
import { signatureHeader } from './sign.js';

export interface WebhookSenderOptions {
  db: Db;
  logger: Logger;
  /** Makes the URLs in payloads absolute (PUBLIC_URL). */
  publicUrl?: string;
  /** Attempts per delivery before it is given up (default 8: about a day of retries). */
  maxAttempts?: number;
  /** Wait before attempt n+1 after n failures (default 30 s × 4^(n-1), at most 6 h, ±20 %). */
  backoffMs?: (failures: number) => number;
  timeoutMs?: number;
  /** Deliveries sent at once (default 4). */
  concurrency?: number;
  /** Fallback poll (default 5 s); NOTIFY wakes the sender at once. */
  pollMs?: number;
  leaseSeconds?: number;
  /** Override of the network call (tests of the queue logic). */
  post?: typeof postJson;
}

export function defaultBackoffMs(failures: number): number {
  const base = Math.min(30_000 * 4 ** Math.max(0, failures - 1), 6 * 3600_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** The JSON body: delivery id, event, and the trigger's data with stored paths turned into URLs. */
export function deliveryBody(d: Pick<DueDelivery, 'id' | 'event' | 'data' | 'createdAt'>, publicUrl = ''): string {
  const data: Record<string, unknown> = { ...d.data };
  for (const [key, urlKey] of [
    ['file_path', 'url'],
    ['thumb_path', 'thumb_url'],
  ] as const) {
    if (typeof data[key] === 'string') data[urlKey] = publicUrl + imageUrl(data[key] as string);
    delete data[key];
  }
  if (d.event === 'character.created' && typeof data.id === 'string') data.page_url = `${publicUrl}/c/${data.id}`;
  if (d.event === 'artwork.added' && typeof data.character_id === 'string')
    data.page_url = `${publicUrl}/c/${data.character_id}`;
  return JSON.stringify({ id: d.id, event: d.event, created_at: d.createdAt, data });
}

export function createWebhookSender(o: WebhookSenderOptions) {
  const maxAttempts = o.maxAttempts ?? 8;
  const backoff = o.backoffMs ?? defaultBackoffMs;
  const concurrency = o.concurrency ?? 4;
  const lease = o.leaseSeconds ?? 60;
  const post = o.post ?? postJson;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let listener: Listener | null = null;
  let lastPrune = 0;

  async function sendOne(d: DueDelivery): Promise<void> {
    const started = Date.now();
    const body = deliveryBody(d, o.publicUrl ?? '');
    let outcome: PostOutcome;
    try {
      outcome = await post(
        d.url,
        body,
        {
          'user-agent': `Waifudex-Webhooks/${VERSION}`,
          'x-waifudex-event': d.event,
          'x-waifudex-delivery': d.id,
          'x-waifudex-signature': signatureHeader(d.secret, body, Math.floor(Date.now() / 1000)),
        },
        { timeoutMs: o.timeoutMs ?? 10_000, allowPrivate: d.allowPrivate },
      );
    } catch (err) {
      outcome = { ok: false, status: null, error: (err as Error).message };
    }
    const durationMs = Date.now() - started;
    if (outcome.ok) {
      await finishAttempt(o.db, {
        deliveryId: d.id,
        statusCode: outcome.status,
        error: null,
        durationMs,
        outcome: 'delivered',
      });
      return;
    }
    const last = d.attempts >= maxAttempts;
    await finishAttempt(o.db, {
      deliveryId: d.id,
      statusCode: outcome.status,
      error: outcome.error.slice(0, 500),
      durationMs,
      outcome: last ? 'failed' : 'retry',
      retryAt: last ? undefined : new Date(Date.now() + backoff(d.attempts)),
    });
    // the id only: webhook URLs often carry a token of the receiver (Discord, Slack …)
    o.logger.debug(
      { delivery: d.id, webhook: d.webhookId, attempt: d.attempts, error: outcome.error },
      last ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
    );
  }

  /** Sends everything due now; returns how many deliveries were attempted. */
  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await claimDueDeliveries(o.db, concurrency, lease);
      if (!batch.length) break;
      await Promise.all(
        batch.map((d) =>
          sendOne(d).catch((err) => o.logger.warn({ err, delivery: d.id }, 'recording a webhook attempt failed')),
        ),
      );
      total += batch.length;
      if (stopped) break;
    }
    if (Date.now() - lastPrune > 24 * 3600_000) {
      lastPrune = Date.now();
      await pruneDeliveries(o.db, 30).catch((err) => o.logger.warn({ err }, 'pruning old webhook deliveries failed'));
    }
    return total;
  }

  /** Runs one drain, or schedules another right after the running one (a wake-up during a drain is not lost). */
  function kick(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((err) => {
        o.logger.warn({ err }, 'webhook queue pass failed');
        return 0;
      })
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void kick();
        }
      });
    return running;
  }

  return {
    kick,
    start() {
      stopped = false;
      if ('pool' in o.db) listener = listen(o.db.pool, 'webhook_deliveries', () => void kick(), o.logger);
      const tick = () => {
        timer = setTimeout(() => {
          void kick().finally(() => !stopped && tick());
        }, o.pollMs ?? 5000);
        timer.unref();
      };
      tick();
      void kick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await listener?.close();
      await running;
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
