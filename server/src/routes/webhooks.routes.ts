/** Admin Webhooks tab: register target URLs (secret shown once), switch them, the delivery log, test and redeliver. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { BadRequestError, NotFoundError } from '@waifudex/core/errors';
import * as repo from '@waifudex/core/repos/webhooks.repo';
import {
  createWebhookBody,
  idParams,
  patchWebhookBody,
  type CreatedWebhook,
  type Webhook,
  type WebhookDeliveries,
  type WebhookList,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { newWebhookSecret } from '../webhooks/sign.js';
import { isBlockedLiteral } from '../webhooks/post-json.js';

const present = (w: repo.WebhookRow): Webhook => ({
  id: w.id,
  url: w.url,
  events: w.events,
  description: w.description,
  allow_private: w.allowPrivate,
  enabled: w.enabled,
  created_at: w.createdAt,
  pending: w.pending,
  delivered: w.delivered,
  failed: w.failed,
});

/** A literal private/loopback target needs the explicit exception; host names are checked at each delivery. */
function checkTarget(url: string, allowPrivate: boolean): void {
  const u = new URL(url);
  if (u.username || u.password)
    throw new BadRequestError(
      "Put credentials in the receiver's URL path or query, not as user:password@.",
      undefined,
      'invalid_url',
    );
  if (!allowPrivate && (isBlockedLiteral(u) || /^localhost\.?$/i.test(u.hostname))) {
    throw new BadRequestError(
      'That is a private or loopback address; tick "allow private address" to send there anyway.',
      undefined,
      'private_address',
    );
  }
}

export function webhookRoutes(deps: { db: Db; requireAdmin: RequestHandler; onQueued?: () => void }): Router {
  const { db } = deps;
  const r = Router();
  const found = async (id: string) => {
    const w = await repo.findWebhook(db, id);
    if (!w) throw new NotFoundError(`no webhook ${id}`);
    return w;
  };
  r.get('/api/v1/admin/webhooks', deps.requireAdmin, async (_req, res) => {
    res.json({ items: (await repo.listWebhooks(db)).map(present) } satisfies WebhookList);
  });
  r.post('/api/v1/admin/webhooks', deps.requireAdmin, async (req, res) => {
    const body = parseOr400(createWebhookBody, req.body, 'webhook');
    checkTarget(body.url, body.allow_private);
    const secret = newWebhookSecret();
    const w = await repo.insertWebhook(db, {
      url: body.url,
      secret,
      events: [...new Set(body.events)],
      description: body.description,
      allowPrivate: body.allow_private,
    });
    res.status(201).json({ secret, webhook: present(w) } satisfies CreatedWebhook);
  });
  r.patch('/api/v1/admin/webhooks/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const body = parseOr400(patchWebhookBody, req.body, 'webhook');
    const current = await found(id);
    checkTarget(body.url ?? current.url, body.allow_private ?? current.allowPrivate);
    const w = await repo.updateWebhook(db, id, {
      url: body.url,
      events: body.events && [...new Set(body.events)],
      description: body.description,
      allowPrivate: body.allow_private,
      enabled: body.enabled,
    });
    res.json(present(w!));
  });
  r.delete('/api/v1/admin/webhooks/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    if (!(await repo.deleteWebhook(db, id))) throw new NotFoundError(`no webhook ${id}`);
    res.status(204).end();
  });
  r.get('/api/v1/admin/webhooks/:id/deliveries', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    await found(id);
    const items = (await repo.listDeliveries(db, id)).map((d) => ({
      id: d.id,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      next_attempt_at: d.nextAttemptAt,
      last_status: d.lastStatus,
      last_error: d.lastError,
      created_at: d.createdAt,
      finished_at: d.finishedAt,
      log: d.log.map((a) => ({
        attempted_at: a.attemptedAt,
        status_code: a.statusCode,
        error: a.error,
        duration_ms: a.durationMs,
      })),
    }));
    res.json({ items } satisfies WebhookDeliveries);
  });
  r.post('/api/v1/admin/webhooks/:id/test', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    await found(id);
    const d = await repo.enqueueDelivery(db, id, 'ping', { message: 'A test delivery from the Waifudex admin panel.' });
    deps.onQueued?.();
    res.status(202).json({ delivery_id: d.id });
  });
  r.post('/api/v1/admin/webhooks/deliveries/:id/redeliver', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    if (!(await repo.redeliver(db, id))) throw new NotFoundError(`no undelivered delivery ${id}`);
    deps.onQueued?.();
    res.status(202).json({ delivery_id: id });
  });
  return r;
}
