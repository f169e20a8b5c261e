import { api } from './client';

export type Verdict = 'exact' | 'match' | 'probable' | 'none';
export interface SearchMatchDto {
  character: { id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null };
  artwork: { id: string; url: string; thumb_url: string };
  distance: number;
  score: number;
  stage: string;
}
export interface SearchResultDto {
  verdict: Verdict;
  query: { width: number; height: number; sha256: string };
  matches: SearchMatchDto[];
  took_ms: number;
}

export function searchByImage(file: Blob, filename = 'image'): Promise<SearchResultDto> {
  const fd = new FormData();
  fd.append('image', file, filename);
  return api<SearchResultDto>('/api/v1/search/image', { method: 'POST', body: fd });
}

export const searchByUrl = (url: string) =>
  api<SearchResultDto>('/api/v1/search/image', { method: 'POST', body: JSON.stringify({ url }) });
