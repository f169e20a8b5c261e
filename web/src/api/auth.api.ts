import { api } from './client';

export interface SessionDto { username: string; csrf_token: string; expires_at: string }

export const login = (username: string, password: string) =>
  api<SessionDto>('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) });
export const me = () => api<SessionDto>('/api/v1/auth/me');
export const logout = () => api<void>('/api/v1/auth/logout', { method: 'POST' });
