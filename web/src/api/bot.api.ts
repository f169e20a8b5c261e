import { api } from './client';

export interface BotGroupDto { chat_id: string; kind: string; title: string; auto_catcher: string | null; since: string | null }
export interface BotStatusDto {
  configured: boolean;
  running: boolean;
  username: string | null;
  mode: string | null;
  started_at: string | null;
  heartbeat_at: string | null;
  last_error: string | null;
  answers: number;
  digests_sent: number;
  settings: { enabled: boolean; allow_list: string[] };
  chats: { private: number; groups: number };
  subscribers: { chats: number; subscriptions: number; by_kind: { all: number; anime: number; rarity: number } };
  groups: BotGroupDto[];
}

/** GET /api/v1/admin/bot */
export const getBotStatus = () => api<BotStatusDto>('/api/v1/admin/bot');

/** PUT /api/v1/admin/bot/settings: the on/off switch and the allow-list of Telegram ids. */
export const putBotSettings = (s: { enabled?: boolean; allow_list?: string[] }) =>
  api<BotStatusDto>('/api/v1/admin/bot/settings', { method: 'PUT', body: JSON.stringify(s) });
