import type { CreatedWebhook, Webhook, WebhookDeliveries, WebhookEventName, WebhookList } from '@waifudex/core/api';
import { api } from './client';

export type { Webhook, WebhookEventName };
export type DeliveryDto = WebhookDeliveries['items'][number];
const id = (x: string) => encodeURIComponent(x);

export const list = () => api<WebhookList>('/api/v1/admin/webhooks').then((r) => r.items);
export const create = (b: { url: string; events: WebhookEventName[]; description: string; allow_private: boolean }) =>
  api<CreatedWebhook>('/api/v1/admin/webhooks', { method: 'POST', body: JSON.stringify(b) });
export const patch = (
  w: string,
  b: Partial<{ enabled: boolean; allow_private: boolean; events: WebhookEventName[] }>,
) => api<Webhook>(`/api/v1/admin/webhooks/${id(w)}`, { method: 'PATCH', body: JSON.stringify(b) });
export const remove = (w: string) => api<void>(`/api/v1/admin/webhooks/${id(w)}`, { method: 'DELETE' });
export const deliveries = (w: string) =>
  api<WebhookDeliveries>(`/api/v1/admin/webhooks/${id(w)}/deliveries`).then((r) => r.items);
export const test = (w: string) =>
  api<{ delivery_id: string }>(`/api/v1/admin/webhooks/${id(w)}/test`, { method: 'POST' });
export const redeliver = (d: string) =>
  api<{ delivery_id: string }>(`/api/v1/admin/webhooks/deliveries/${id(d)}/redeliver`, { method: 'POST' });
