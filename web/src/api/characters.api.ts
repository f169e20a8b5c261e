import { api } from './client';

export interface ArtworkDto { id: string; url: string; thumb_url: string; width: number; height: number; bytes: number; mime: string }
export interface CharacterDto {
  id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null;
  source_id: string | null; variant: string | null; needs_review: boolean; created_at: string; artwork: ArtworkDto | null;
}
export interface CharacterPage { page: number; per_page: number; total: number; total_pages: number; items: CharacterDto[] }
export interface DetailArtworkDto extends ArtworkDto { is_current: boolean; created_at: string; hidden?: boolean }
export interface CharacterDetailDto {
  id: string; name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null;
  source_id: string | null; variant: string | null; channel_title: string | null; created_at: string; updated_at: string;
  artworks: DetailArtworkDto[];
}

export function listCharacters(p: { page: number; perPage: number; q: string }): Promise<CharacterPage> {
  const qs = new URLSearchParams({ page: String(p.page), per_page: String(p.perPage) });
  if (p.q) qs.set('q', p.q);
  return api<CharacterPage>(`/api/v1/characters?${qs}`);
}

export const getCharacter = (id: string) => api<CharacterDetailDto>(`/api/v1/characters/${encodeURIComponent(id)}`);
