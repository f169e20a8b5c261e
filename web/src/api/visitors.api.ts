import type {
  CaughtState,
  CollectionExport,
  CommentList,
  Comment,
  Completion,
  CreatedInvite,
  HaremPreview,
  ImportResult,
  LikeState,
  MarkedMany,
  MyMarks,
  VisitorConfig,
  VisitorSession,
  VisitorSessionState,
  VisitorSettings,
  VisitorsOverview,
} from '@waifudex/core/api';
import { api } from './client';

export type { Completion, HaremPreview, Comment, VisitorsOverview, VisitorConfig };
const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
const id = (x: string) => encodeURIComponent(x);

export const config = () => api<VisitorConfig>('/api/v1/visitor/config');
export const session = () => api<VisitorSessionState>('/api/v1/visitor/session').then((r) => r.session);
export const signup = (username: string, password: string, invite?: string) =>
  api<VisitorSession>('/api/v1/visitor/signup', post({ username, password, ...(invite ? { invite } : {}) }));
export const login = (username: string, password: string) =>
  api<VisitorSession>('/api/v1/visitor/login', post({ username, password }));
export const logout = () => api<void>('/api/v1/visitor/logout', { method: 'POST' });

export const marks = () => api<MyMarks>('/api/v1/me/marks');
export const setLike = (character: string, liked: boolean) =>
  api<LikeState>(`/api/v1/me/likes/${id(character)}`, { method: liked ? 'PUT' : 'DELETE' });
export const setCaught = (character: string, caught: boolean) =>
  api<CaughtState>(`/api/v1/me/collection/${id(character)}`, { method: caught ? 'PUT' : 'DELETE' });
export const markMany = (ids: string[]) =>
  api<MarkedMany>('/api/v1/me/collection', post({ character_ids: ids, source: 'harem' }));
export const previewHarem = (text: string) => api<HaremPreview>('/api/v1/me/collection/harem/preview', post({ text }));
export const completion = () => api<Completion>('/api/v1/me/collection/completion');
export const exportJson = () => api<CollectionExport>('/api/v1/me/collection/export?format=json');
export const importCollection = (format: 'json' | 'csv', data: string) =>
  api<ImportResult>('/api/v1/me/collection/import', post({ format, data }));

export const comments = (character: string) => api<CommentList>(`/api/v1/characters/${id(character)}/comments`);
export const addComment = (character: string, body: string) =>
  api<Comment>(`/api/v1/characters/${id(character)}/comments`, post({ body }));

// admin
export const overview = () => api<VisitorsOverview>('/api/v1/admin/visitors');
export const saveSettings = (s: VisitorSettings) =>
  api<VisitorsOverview>('/api/v1/admin/visitors/settings', { method: 'PUT', body: JSON.stringify(s) });
export const createInvite = (o: { note: string; max_uses: number; expires_in_days: number | null }) =>
  api<CreatedInvite>('/api/v1/admin/visitors/invites', post(o));
export const revokeInvite = (inviteId: string) =>
  api<void>(`/api/v1/admin/visitors/invites/${id(inviteId)}`, { method: 'DELETE' });
export const deleteVisitor = (visitorId: string) =>
  api<void>(`/api/v1/admin/visitors/${id(visitorId)}`, { method: 'DELETE' });
export const commentQueue = (status: 'pending' | 'approved') =>
  api<CommentList>(`/api/v1/admin/comments?status=${status}`);
export const approveComment = (commentId: string) =>
  api<Comment>(`/api/v1/admin/comments/${id(commentId)}/approve`, { method: 'POST' });
export const deleteComment = (commentId: string) =>
  api<void>(`/api/v1/admin/comments/${id(commentId)}`, { method: 'DELETE' });
