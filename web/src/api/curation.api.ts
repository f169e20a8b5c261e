import { api } from './client';
import type {
  AdminCharacterDetail,
  MergeResult,
  MergeUndone,
  QualityCounts,
  QualityEntry,
  QualityKindDto,
  QualityList,
} from '@waifudex/core/api';

export type QualityKind = QualityKindDto;
export type QualityEntryDto = QualityEntry;
export type QualityPostDto = QualityEntry['posts'][number];
export type { QualityCounts, QualityList };

const post = <T>(path: string, body?: unknown) =>
  api<T>(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const id = encodeURIComponent;

export const getQualityCounts = () => api<QualityCounts>('/api/v1/admin/quality/counts');
export const listQuality = (kind: QualityKind, page: number, perPage = 20) =>
  api<QualityList>(
    `/api/v1/admin/quality?${new URLSearchParams({ kind, page: String(page), per_page: String(perPage) })}`,
  );
export const dismissQuality = (kind: QualityKind, key: string) =>
  post<void>('/api/v1/admin/quality/dismiss', { kind, key });
export const retrySyncGap = (key: string) => post<void>('/api/v1/admin/quality/retry', { kind: 'sync_gap', key });

/** Merges character `from` into `into` (its artworks move, its name becomes an alias). */
export const mergeCharacters = (into: string, from: string) =>
  post<MergeResult>(`/api/v1/admin/characters/${id(into)}/merge`, { from });
export const undoMerge = (changeId: string) => post<MergeUndone>(`/api/v1/admin/merges/${id(changeId)}/undo`);
export const splitArtwork = (artworkId: string) =>
  post<AdminCharacterDetail>(`/api/v1/admin/artworks/${id(artworkId)}/split`);
export const reparseCharacter = (characterId: string) =>
  post<{ scanned: number; changed: number; character: AdminCharacterDetail }>(
    `/api/v1/admin/characters/${id(characterId)}/reparse`,
  );
export const setArtworkHidden = (artworkId: string, hidden: boolean) =>
  api<AdminCharacterDetail>(`/api/v1/admin/artworks/${id(artworkId)}`, {
    method: 'PATCH',
    body: JSON.stringify({ hidden }),
  });
export const deleteArtwork = (artworkId: string) =>
  api<AdminCharacterDetail>(`/api/v1/admin/artworks/${id(artworkId)}`, { method: 'DELETE' });
