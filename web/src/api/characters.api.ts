import type {
  CharacterDetail,
  CharacterFacets,
  CharacterList,
  CharacterListItem,
  CharacterPostLinks,
  CharacterSuggestions,
} from '@waifudex/core/api';
import { api } from './client';
import { takeInlined } from './initial-data';

// The API contract's own types (core/src/api, shared with the server): no hand-copied DTOs.
export type CharacterDto = CharacterListItem & { likes?: number };
export type GallerySort = CharacterList['sort'];
export type CharacterPage = CharacterList;
export type DetailArtworkDto = CharacterDetail['artworks'][number] & { hidden?: boolean };
export type CharacterDetailDto = Omit<CharacterDetail, 'artworks'> & { artworks: DetailArtworkDto[] };
/** What the gallery shows: the text query and the filters, as in the address bar. */
export interface GalleryFilters {
  q: string;
  anime: string | null;
  rarity: string | null;
  channel: string | null;
  mine?: 'caught' | 'missing' | null;
}
export type Facets = CharacterFacets;
export type Suggestions = CharacterSuggestions;

function filterParams(f: GalleryFilters): URLSearchParams {
  const qs = new URLSearchParams();
  if (f.q.trim()) qs.set('q', f.q.trim());
  if (f.anime) qs.set('anime', f.anime);
  if (f.rarity) qs.set('rarity', f.rarity);
  if (f.channel) qs.set('channel', f.channel);
  if (f.mine) qs.set('mine', f.mine);
  return qs;
}

/** A page by number, or (with `cursor`, the previous page's next_cursor) the page after it by keyset. */
export function listCharacters(
  p: GalleryFilters & { page: number; perPage: number; sort?: GallerySort | null; cursor?: string | null },
  signal?: AbortSignal,
): Promise<CharacterPage> {
  const qs = filterParams(p);
  qs.set('page', String(p.page));
  qs.set('per_page', String(p.perPage));
  if (p.sort) qs.set('sort', p.sort);
  if (p.cursor) qs.set('cursor', p.cursor);
  const url = `/api/v1/characters?${qs}`;
  const inlined = takeInlined<CharacterPage>(url);
  return inlined ? Promise.resolve(inlined) : api<CharacterPage>(url, { signal });
}
export const getFacets = (f: GalleryFilters, signal?: AbortSignal) =>
  api<Facets>(`/api/v1/characters/facets?${filterParams(f)}`, { signal });
export const suggest = (q: string, signal?: AbortSignal) =>
  api<Suggestions>(`/api/v1/characters/suggest?${new URLSearchParams({ q })}`, { signal });
export const getCharacter = (id: string) => api<CharacterDetailDto>(`/api/v1/characters/${encodeURIComponent(id)}`);
export type PostLinkDto = CharacterPostLinks['items'][number];
export const getPostLinks = (id: string) =>
  api<CharacterPostLinks>(`/api/v1/characters/${encodeURIComponent(id)}/posts`);
