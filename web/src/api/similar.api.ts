import type { SimilarList } from '@waifudex/core/api';
import { api } from './client';

export type SimilarItemDto = SimilarList['items'][number];
/** CLIP look-alikes of a character's artwork; `enabled` is false when the server runs without CLIP. */
export const getSimilar = (id: string, k = 8) =>
  api<SimilarList>(`/api/v1/characters/${encodeURIComponent(id)}/similar?k=${k}`);
