import { api } from './client';
import type { CharacterDetailDto, CharacterDto } from './characters.api';

export interface AdminCharacterDto extends CharacterDto {
  hidden: boolean; raw_caption: string; parse_confidence: number | null; caption_family: string | null;
  edited_fields: string[]; channel_id: string | null; channel_title: string | null; artwork_count: number; updated_at: string;
}
export interface AdminCharacterPage { page: number; per_page: number; total: number; total_pages: number; items: AdminCharacterDto[] }
export interface AdminCharacterDetailDto extends CharacterDetailDto {
  channel_id: string | null; hidden: boolean; needs_review: boolean; raw_caption: string; parse_confidence: number | null;
  caption_family: string | null; edited_fields: string[];
}
export type EditableField = 'name' | 'anime' | 'rarity' | 'rarity_emoji' | 'source_id' | 'variant';
export type CharacterPatch = Partial<Record<EditableField, string | null>> & { hidden?: boolean };

export interface AdminListQuery { page: number; perPage: number; q: string; needsReview?: boolean; hidden?: boolean }

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
export const deleteCharacter = (id: string) => api<void>(path(id), { method: 'DELETE' });

export function replaceArtwork(id: string, file: File): Promise<AdminCharacterDetailDto> {
  const fd = new FormData();
  fd.append('image', file, file.name);
  return api<AdminCharacterDetailDto>(`${path(id)}/artwork`, { method: 'POST', body: fd });
}

export function createCharacter(file: File, fields: Partial<Record<EditableField | 'caption', string>>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v) fd.append(k, v);
  fd.append('image', file, file.name);
  return api<{ status: string; character: AdminCharacterDetailDto }>('/api/v1/admin/characters', { method: 'POST', body: fd });
}
