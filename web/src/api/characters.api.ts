import { api } from './client';

export interface ArtworkDto { id: string; url: string; thumb_url: string; width: number; height: number; bytes: number; mime: string }
export interface CharacterDto {
  id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null;
  source_id: string | null; variant: string | null; needs_review: boolean; created_at: string; artwork: ArtworkDto | null;
}
export type GallerySort = 'relevance' | 'newest' | 'name' | 'anime';
export interface CharacterPage {
  page: number; per_page: number; total: number; total_pages: number; items: CharacterDto[];
  sort?: GallerySort; suggestion?: string | null;
}
export interface DetailArtworkDto extends ArtworkDto { is_current: boolean; created_at: string; hidden?: boolean }
export interface CharacterDetailDto {
  id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null;
  source_id: string | null; variant: string | null; channel_title: string | null; created_at: string; updated_at: string;
  artworks: DetailArtworkDto[];
}
/** What the gallery shows: the text query and the filters, as in the address bar. */
export interface GalleryFilters { q: string; anime: string | null; rarity: string | null; channel: string | null }
export interface FacetValue { value: string; label: string; count: number }
export interface Facets { anime: FacetValue[]; rarity: FacetValue[]; channel: FacetValue[] }
export interface Suggestions { names: Array<{ value: string; count: number }>; anime: Array<{ value: string; count: number }> }

function filterParams(f: GalleryFilters): URLSearchParams {
  const qs = new URLSearchParams();
  if (f.q.trim()) qs.set('q', f.q.trim());
  if (f.anime) qs.set('anime', f.anime);
  if (f.rarity) qs.set('rarity', f.rarity);
  if (f.channel) qs.set('channel', f.channel);
  return qs;
}

export function listCharacters(p: GalleryFilters & { page: number; perPage: number; sort?: GallerySort | null }, signal?: AbortSignal): Promise<CharacterPage> {
  const qs = filterParams(p);
  qs.set('page', String(p.page));
  qs.set('per_page', String(p.perPage));
  if (p.sort) qs.set('sort', p.sort);
  return api<CharacterPage>(`/api/v1/characters?${qs}`, { signal });
}
export const getFacets = (f: GalleryFilters, signal?: AbortSignal) => api<Facets>(`/api/v1/characters/facets?${filterParams(f)}`, { signal });
export const suggest = (q: string, signal?: AbortSignal) => api<Suggestions>(`/api/v1/characters/suggest?${new URLSearchParams({ q })}`, { signal });
export const getCharacter = (id: string) => api<CharacterDetailDto>(`/api/v1/characters/${encodeURIComponent(id)}`);
export interface PostLinkDto { artwork_id: string; url: string; channel: string }
export const getPostLinks = (id: string) => api<{ items: PostLinkDto[] }>(`/api/v1/characters/${encodeURIComponent(id)}/posts`);
