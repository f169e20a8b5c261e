import { api } from './client';
import type { LoginFlow, TelegramStatus } from '@waifudex/core/api';

export type { LoginFlow, TelegramStatus };
export type LoginStep = 'phone' | 'code' | 'password';

export const getTelegramStatus = () => api<TelegramStatus>('/api/v1/admin/telegram');
export const startLogin = (method: 'phone' | 'qr') =>
  api<LoginFlow>('/api/v1/admin/telegram/login', { method: 'POST', body: JSON.stringify({ method }) });
export const answerLogin = (id: string, step: LoginStep, value: string) =>
  api<LoginFlow>('/api/v1/admin/telegram/login/answer', { method: 'POST', body: JSON.stringify({ id, step, value }) });
export const cancelLogin = () => api<void>('/api/v1/admin/telegram/login', { method: 'DELETE' });
export const logoutTelegram = () =>
  api<{ ok: boolean }>('/api/v1/admin/telegram/logout', { method: 'POST', body: '{}' });
