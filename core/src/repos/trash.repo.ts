/**
 * SQL for the trash: deleted characters keep their rows (deleted_at set, on the character and on the
 * artworks trashed with it) until the purge removes them for good. The image-index change log gets a row
 * per artwork so every process drops (or takes back) those artworks from its in-memory index.
 */
import type { Queryable } from '../db/database.js';
import { thumbKey } from '../services/image-store.js';
import { toCharacter, toListArtwork, type CharacterListItem } from './characters.repo.js';
import { inSlices } from './rows.js';

async function logIndexChanges(q: Queryable, artworkIds: string[]): Promise<void> {
  if (artworkIds.length === 0) return;
  await q.query(`INSERT INTO image_index_changes (artwork_id, op) SELECT unnest($1::bigint[]), 'update'`, [artworkIds]);
}

/** Runs a per-slice change over many ids (inside the caller's transaction) and concatenates what it returns. */
async function sliced(
  ids: string[],
  fn: (slice: string[]) => Promise<{ characterIds: string[]; artworkIds: string[] }>,
) {
  const all = { characterIds: [] as string[], artworkIds: [] as string[] };
  for (const slice of inSlices(ids)) {
    const r = await fn(slice);
    all.characterIds.push(...r.characterIds);
    all.artworkIds.push(...r.artworkIds);
  }
  return all;
}

/** Moves these characters (and their artworks) to the trash; returns the ids that were not there yet. */
export async function trashCharacters(
  q: Queryable,
  ids: string[],
): Promise<{ characterIds: string[]; artworkIds: string[] }> {
  return sliced(ids, (slice) => trashSlice(q, slice));
}

/** Takes these characters out of the trash, with the artworks that were trashed together with them. */
export async function restoreCharacters(
  q: Queryable,
  ids: string[],
): Promise<{ characterIds: string[]; artworkIds: string[] }> {
  return sliced(ids, (slice) => restoreSlice(q, slice));
}

async function trashSlice(q: Queryable, ids: string[]): Promise<{ characterIds: string[]; artworkIds: string[] }> {
  if (ids.length === 0) return { characterIds: [], artworkIds: [] };
  const c = await q.query<{ id: string }>(
    `UPDATE characters SET deleted_at = now() WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL RETURNING id::text`,
    [ids],
  );
  const characterIds = c.rows.map((r) => r.id);
  if (characterIds.length === 0) return { characterIds, artworkIds: [] };
  // now() is the transaction's start time: the artworks carry the very timestamp of their character
  const a = await q.query<{ id: string }>(
    `UPDATE artworks SET deleted_at = now() WHERE character_id = ANY($1::bigint[]) AND deleted_at IS NULL RETURNING id::text`,
    [characterIds],
  );
  const artworkIds = a.rows.map((r) => r.id);
  await logIndexChanges(q, artworkIds);
  return { characterIds, artworkIds };
}

async function restoreSlice(q: Queryable, ids: string[]): Promise<{ characterIds: string[]; artworkIds: string[] }> {
  if (ids.length === 0) return { characterIds: [], artworkIds: [] };
  const t = await q.query<{ id: string; deleted_at: Date }>(
    'SELECT id::text, deleted_at FROM characters WHERE id = ANY($1::bigint[]) AND deleted_at IS NOT NULL ORDER BY id FOR UPDATE',
    [ids],
  );
  const characterIds = t.rows.map((r) => r.id);
  if (characterIds.length === 0) return { characterIds, artworkIds: [] };
  const a = await q.query<{ id: string }>(
    `UPDATE artworks a SET deleted_at = NULL FROM characters c
      WHERE c.id = ANY($1::bigint[]) AND a.character_id = c.id AND a.deleted_at = c.deleted_at RETURNING a.id::text`,
    [characterIds],
  );
  await q.query('UPDATE characters SET deleted_at = NULL, updated_at = now() WHERE id = ANY($1::bigint[])', [
    characterIds,
  ]);
  const artworkIds = a.rows.map((r) => r.id);
  await logIndexChanges(q, artworkIds);
  return { characterIds, artworkIds };
}

/** A trashed character as the trash view lists it. */
export interface TrashedCharacter extends CharacterListItem {
  deletedAt: string;
}

/** Newest-deleted first. */
export async function listTrash(
  q: Queryable,
  o: { page: number; perPage: number },
): Promise<{ items: TrashedCharacter[]; total: number }> {
  const total = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM characters WHERE deleted_at IS NOT NULL');
  const rows = await q.query(
    `SELECT c.*, a.id AS a_id, a.file_path, a.thumb_path, a.sha256, a.thumb_widths, a.width, a.height, a.bytes, a.mime,
        (SELECT count(*)::int FROM artworks x WHERE x.character_id = c.id) AS artwork_count
       FROM characters c LEFT JOIN artworks a ON a.character_id = c.id AND a.is_current
      WHERE c.deleted_at IS NOT NULL
      ORDER BY c.deleted_at DESC, c.id DESC LIMIT $1 OFFSET $2`,
    [o.perPage, (o.page - 1) * o.perPage],
  );
  return {
    total: total.rows[0]!.n,
    items: rows.rows.map((r) => ({
      ...toCharacter(r),
      artwork: toListArtwork(r),
      artworkCount: r.artwork_count ?? 0,
      deletedAt: toCharacter(r).deletedAt!,
    })),
  };
}

/**
 * Deletes up to `limit` characters trashed before `before` (their artworks go by cascade), and artworks
 * trashed on their own (their character still live). Returns the files to remove once the transaction
 * has committed.
 */
export async function purgeTrashBatch(
  q: Queryable,
  before: Date,
  limit: number,
): Promise<{ characters: number; artworks: number; files: string[] }> {
  const doomed = await q.query<{ id: string }>(
    'SELECT id::text FROM characters WHERE deleted_at < $1 ORDER BY deleted_at, id LIMIT $2 FOR UPDATE SKIP LOCKED',
    [before, limit],
  );
  const ids = doomed.rows.map((r) => r.id);
  const lone = await q.query<{ id: string }>(
    `SELECT a.id::text FROM artworks a JOIN characters c ON c.id = a.character_id
      WHERE a.deleted_at < $1 AND c.deleted_at IS NULL ORDER BY a.deleted_at, a.id LIMIT $2 FOR UPDATE OF a SKIP LOCKED`,
    [before, limit],
  );
  const loneIds = lone.rows.map((r) => r.id);
  const files = await q.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
    'SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks WHERE character_id = ANY($1::bigint[]) OR id = ANY($2::bigint[])',
    [ids, loneIds],
  );
  if (ids.length) await q.query('DELETE FROM characters WHERE id = ANY($1::bigint[])', [ids]);
  if (loneIds.length) await q.query('DELETE FROM artworks WHERE id = ANY($1::bigint[])', [loneIds]);
  const keys = files.rows.flatMap((r) => [
    ...new Set([r.file_path, r.thumb_path, ...r.thumb_widths.map((w) => thumbKey(r.sha256, w))]),
  ]);
  return { characters: ids.length, artworks: files.rows.length, files: keys };
}
