/** Outgoing webhooks (issue 18): targets, events, the delivery log. */
import { z } from 'zod';
import { idSchema, text, timestamp } from './common.js';

export const webhookEvent = z.enum(['character.created', 'artwork.added', 'sync.finished']);
export type WebhookEventName = z.infer<typeof webhookEvent>;

export const webhook = z
  .object({
    id: idSchema,
    url: z.string(),
    events: z.array(webhookEvent),
    description: z.string(),
    allow_private: z.boolean(),
    enabled: z.boolean(),
    created_at: timestamp,
    pending: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof webhook>;

const url = text(2000)
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));
export const createWebhookBody = z
  .object({
    url,
    events: z.array(webhookEvent).min(1).max(3),
    description: text(200).trim().default(''),
    allow_private: z
      .boolean()
      .default(false)
      .meta({ description: 'Allow a private or loopback target (a receiver on your own network).' }),
  })
  .strict();
export const patchWebhookBody = z
  .object({
    url: url.optional(),
    events: z.array(webhookEvent).min(1).max(3).optional(),
    description: text(200).trim().optional(),
    allow_private: z.boolean().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export const createdWebhook = z
  .object({
    secret: z.string().meta({ description: 'HMAC-SHA256 key of the X-Waifudex-Signature header. Shown only now.' }),
    webhook,
  })
  .meta({ id: 'CreatedWebhook' });
export type CreatedWebhook = z.infer<typeof createdWebhook>;
export const webhookList = z.object({ items: z.array(webhook) }).meta({ id: 'WebhookList' });
export type WebhookList = z.infer<typeof webhookList>;

export const webhookDelivery = z
  .object({
    id: idSchema,
    event: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: timestamp,
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    finished_at: timestamp.nullable(),
    log: z.array(
      z.object({
        attempted_at: timestamp,
        status_code: z.number().int().nullable(),
        error: z.string().nullable(),
        duration_ms: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' });
export const webhookDeliveries = z.object({ items: z.array(webhookDelivery) }).meta({ id: 'WebhookDeliveries' });
export type WebhookDeliveries = z.infer<typeof webhookDeliveries>;
