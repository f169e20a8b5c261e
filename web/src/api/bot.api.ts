import type { BotStatus } from '@waifudex/core/api';
import { api } from './client';

export type BotStatusDto = BotStatus;

/** GET /api/v1/admin/bot */
export const getBotStatus = () => api<BotStatusDto>('/api/v1/admin/bot');

/** PUT /api/v1/admin/bot/settings: the on/off switch and the allow-list of Telegram ids. */
export const putBotSettings = (s: { enabled?: boolean; allow_list?: string[] }) =>
  api<BotStatusDto>('/api/v1/admin/bot/settings', { method: 'PUT', body: JSON.stringify(s) });
