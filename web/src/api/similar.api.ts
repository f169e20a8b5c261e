import { api } from './client';

export interface SimilarItemDto {
  character: { id: string; name: string | null; anime: string | null };
  artwork: { id: string; url: string; thumb_url: string };
  similarity: number;
  label: 'similar';
}
/** CLIP look-alikes of a character's artwork; `enabled` is false when the server runs without CLIP. */
export const getSimilar = (id: string, k = 8) => api<{ enabled: boolean; items: SimilarItemDto[] }>(`/api/v1/characters/${encodeURIComponent(id)}/similar?k=${k}`);
