import type { SessionInfo, SessionState } from '@waifudex/core/api';
import { api } from './client';

export type SessionDto = SessionInfo;

export const login = (username: string, password: string) =>
  api<SessionDto>('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) });
/** The current admin session, or null for an anonymous visitor (never a 401). */
export const session = () => api<SessionState>('/api/v1/auth/session').then((r) => r.session);
export const logout = () => api<void>('/api/v1/auth/logout', { method: 'POST' });
