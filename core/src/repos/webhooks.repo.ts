/** SQL for outgoing webhooks: the admin's targets, the delivery queue (filled by triggers) and the attempt log. */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export const WEBHOOK_EVENTS = ['character.created', 'artwork.added', 'sync.finished'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookRow {
  id: string;
  url: string;
  secret: string;
  events: WebhookEvent[];
  description: string;
  allowPrivate: boolean;
  enabled: boolean;
  createdAt: string;
  pending: number;
  delivered: number;
  failed: number;
}

export interface DeliveryRow {
  id: string;
  webhookId: string;
  event: string;
  data: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AttemptRow {
  deliveryId: string;
  attemptedAt: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** A claimed delivery with what the sender needs of its webhook. */
export interface DueDelivery extends DeliveryRow {
  url: string;
  secret: string;
  allowPrivate: boolean;
}

const toWebhook = (r: any): WebhookRow => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  events: r.events,
  description: r.description,
  allowPrivate: r.allow_private,
  enabled: r.enabled,
  createdAt: isoOrNull(r.created_at)!,
  pending: r.pending ?? 0,
  delivered: r.delivered ?? 0,
  failed: r.failed ?? 0,
});

const toDelivery = (r: any): DeliveryRow => ({
  id: r.id,
  webhookId: r.webhook_id,
  event: r.event,
  data: r.data,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: isoOrNull(r.next_attempt_at)!,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: isoOrNull(r.created_at)!,
  finishedAt: isoOrNull(r.finished_at),
});

const WITH_COUNTS = `SELECT w.*,
    (SELECT count(*)::int FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending') AS pending,
    (SELECT count(*)::int FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'delivered') AS delivered,
    (SELECT count(*)::int FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed') AS failed
  FROM webhooks w`;

export async function insertWebhook(
  q: Queryable,
  w: { url: string; secret: string; events: WebhookEvent[]; description: string; allowPrivate: boolean },
): Promise<WebhookRow> {
  const r = await q.query(
    'INSERT INTO webhooks (url, secret, events, description, allow_private) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [w.url, w.secret, w.events, w.description, w.allowPrivate],
  );
  return (await findWebhook(q, r.rows[0].id))!;
}

export async function findWebhook(q: Queryable, id: string): Promise<WebhookRow | null> {
  const r = await q.query(`${WITH_COUNTS} WHERE w.id = $1`, [id]);
  return r.rows[0] ? toWebhook(r.rows[0]) : null;
}

export async function listWebhooks(q: Queryable): Promise<WebhookRow[]> {
  return (await q.query(`${WITH_COUNTS} ORDER BY w.id`)).rows.map(toWebhook);
}

export async function updateWebhook(
  q: Queryable,
  id: string,
  p: Partial<{ url: string; events: WebhookEvent[]; description: string; allowPrivate: boolean; enabled: boolean }>,
): Promise<WebhookRow | null> {
  const r = await q.query(
    `UPDATE webhooks SET url = coalesce($2, url), events = coalesce($3, events), description = coalesce($4, description),
        allow_private = coalesce($5, allow_private), enabled = coalesce($6, enabled) WHERE id = $1 RETURNING id`,
    [id, p.url ?? null, p.events ?? null, p.description ?? null, p.allowPrivate ?? null, p.enabled ?? null],
  );
  return r.rows[0] ? findWebhook(q, id) : null;
}

export async function deleteWebhook(q: Queryable, id: string): Promise<boolean> {
  return ((await q.query('DELETE FROM webhooks WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

/** Queues one delivery by hand (the admin's "send a test"). */
export async function enqueueDelivery(
  q: Queryable,
  webhookId: string,
  event: string,
  data: Record<string, unknown>,
): Promise<DeliveryRow> {
  const r = await q.query('INSERT INTO webhook_deliveries (webhook_id, event, data) VALUES ($1, $2, $3) RETURNING *', [
    webhookId,
    event,
    JSON.stringify(data),
  ]);
  await q.query(`SELECT pg_notify('webhook_deliveries', '')`);
  return toDelivery(r.rows[0]);
}

/**
 * Claims up to `limit` due deliveries for `leaseSeconds` (SKIP LOCKED: several senders never take the same
 * one) and counts the attempt. A sender that dies leaves the lease to run out; then the delivery is due again.
 * A webhook the admin turned off keeps its queue until it is turned on again.
 */
export async function claimDueDeliveries(q: Queryable, limit: number, leaseSeconds: number): Promise<DueDelivery[]> {
  const r = await q.query(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.enabled
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until <= now())
        ORDER BY d.next_attempt_at, d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED)
     UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
       FROM due, webhooks w WHERE d.id = due.id AND w.id = d.webhook_id
     RETURNING d.*, w.url, w.secret, w.allow_private`,
    [limit, leaseSeconds],
  );
  return r.rows.map((row) => ({
    ...toDelivery(row),
    url: row.url,
    secret: row.secret,
    allowPrivate: row.allow_private,
  }));
}

/** Records one attempt and its outcome: delivered, failed for good, or due again at `retryAt`. */
export async function finishAttempt(
  q: Queryable,
  a: {
    deliveryId: string;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    outcome: 'delivered' | 'failed' | 'retry';
    retryAt?: Date;
  },
): Promise<void> {
  await q.query('INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)', [
    a.deliveryId,
    a.statusCode,
    a.error,
    a.durationMs,
  ]);
  await q.query(
    `UPDATE webhook_deliveries SET locked_until = NULL, last_status = $2, last_error = $3,
        status = CASE WHEN $4 = 'retry' THEN 'pending' ELSE $4 END,
        next_attempt_at = coalesce($5, next_attempt_at),
        finished_at = CASE WHEN $4 = 'retry' THEN NULL ELSE now() END
      WHERE id = $1`,
    [a.deliveryId, a.statusCode, a.error, a.outcome, a.retryAt ?? null],
  );
}

/** Sends a failed (or pending) delivery again now, with a fresh attempt budget. */
export async function redeliver(q: Queryable, id: string): Promise<DeliveryRow | null> {
  const r = await q.query(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, finished_at = NULL
      WHERE id = $1 AND status <> 'delivered' RETURNING *`,
    [id],
  );
  if (r.rows[0]) await q.query(`SELECT pg_notify('webhook_deliveries', '')`);
  return r.rows[0] ? toDelivery(r.rows[0]) : null;
}

/** The newest deliveries of a webhook with their attempts (the admin's delivery log). */
export async function listDeliveries(
  q: Queryable,
  webhookId: string,
  limit = 50,
): Promise<(DeliveryRow & { log: AttemptRow[] })[]> {
  const r = await q.query('SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2', [
    webhookId,
    limit,
  ]);
  const deliveries = r.rows.map(toDelivery);
  if (!deliveries.length) return [];
  const a = await q.query('SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::bigint[]) ORDER BY id', [
    deliveries.map((d) => d.id),
  ]);
  const log = new Map<string, AttemptRow[]>();
  for (const row of a.rows) {
    const list = log.get(row.delivery_id) ?? [];
    list.push({
      deliveryId: row.delivery_id,
      attemptedAt: isoOrNull(row.attempted_at)!,
      statusCode: row.status_code,
      error: row.error,
      durationMs: row.duration_ms,
    });
    log.set(row.delivery_id, list);
  }
  return deliveries.map((d) => ({ ...d, log: log.get(d.id) ?? [] }));
}

/** Drops finished deliveries older than `days` (the log would otherwise grow with every import). */
export async function pruneDeliveries(q: Queryable, days: number): Promise<number> {
  return (
    (
      await q.query(
        `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < now() - make_interval(days => $1)`,
        [days],
      )
    ).rowCount ?? 0
  );
}
