import { api } from './client';
import type {
  AdminCharacterDetail,
  AdminCharacterList,
  AdminCharacterListItem,
  CharacterBulkBody,
  CharacterBulkResult,
  TrashList,
} from '@waifudex/core/api';

export type AdminCharacterDto = AdminCharacterListItem;
export type AdminCharacterPage = AdminCharacterList;
export type AdminCharacterDetailDto = AdminCharacterDetail;
export type EditableField = 'name' | 'anime' | 'rarity' | 'rarity_emoji' | 'source_id' | 'variant';
export type CharacterPatch = Partial<Record<EditableField, string | null>> & { hidden?: boolean };

export interface AdminListQuery {
  page: number;
  perPage: number;
  q: string;
  needsReview?: boolean;
  hidden?: boolean;
}

export function listAdminCharacters(p: AdminListQuery): Promise<AdminCharacterPage> {
  const qs = new URLSearchParams({ page: String(p.page), per_page: String(p.perPage) });
  if (p.q) qs.set('q', p.q);
  if (p.needsReview !== undefined) qs.set('needs_review', String(p.needsReview));
  if (p.hidden !== undefined) qs.set('hidden', String(p.hidden));
  return api<AdminCharacterPage>(`/api/v1/admin/characters?${qs}`);
}

const path = (id: string) => `/api/v1/admin/characters/${encodeURIComponent(id)}`;
export const getAdminCharacter = (id: string) => api<AdminCharacterDetailDto>(path(id));
export const patchCharacter = (id: string, patch: CharacterPatch) =>
  api<AdminCharacterDetailDto>(path(id), { method: 'PATCH', body: JSON.stringify(patch) });
/** Moves the character to the trash; restoreCharacters undoes it. */
export const deleteCharacter = (id: string) =>
  api<{ id: string; name: string | null; deleted_at: string; purge_at: string }>(path(id), { method: 'DELETE' });
export type BulkRequest = CharacterBulkBody;
export const bulkCharacters = (body: BulkRequest) =>
  api<CharacterBulkResult>('/api/v1/admin/characters/bulk', { method: 'POST', body: JSON.stringify(body) });
export const listTrash = (page: number, perPage = 30) =>
  api<TrashList>(`/api/v1/admin/trash?page=${page}&per_page=${perPage}`);
export const restoreCharacters = (ids: string[]) =>
  api<{ restored: string[] }>('/api/v1/admin/trash/restore', { method: 'POST', body: JSON.stringify({ ids }) });

export function replaceArtwork(id: string, file: File): Promise<AdminCharacterDetailDto> {
  const fd = new FormData();
  fd.append('image', file, file.name);
  return api<AdminCharacterDetailDto>(`${path(id)}/artwork`, { method: 'POST', body: fd });
}

export function createCharacter(file: File, fields: Partial<Record<EditableField | 'caption', string>>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v) fd.append(k, v);
  fd.append('image', file, file.name);
  return api<{ status: string; character: AdminCharacterDetailDto }>('/api/v1/admin/characters', {
    method: 'POST',
    body: fd,
  });
}
