/** SQL for the admin area: the character list with review/hidden filters and caption details. */
import type { Queryable } from '../db/database.js';
import { toCharacter, toListArtwork, type CharacterListItem } from './characters.repo.js';

/** A character as the admin list shows it: every column, its current artwork and its channel's title. */
export interface AdminCharacterListItem extends CharacterListItem {
  channelTitle: string | null;
  artworkCount: number;
}

export interface AdminCharacterQuery extends AdminCharacterFilter {
  page: number;
  perPage: number;
}

export interface AdminCharacterFilter {
  /** Already normalised search text (see normalizeForSearch); empty → no filter. */
  search: string;
  /** true/false filter on needs_review; undefined → both. */
  needsReview?: boolean;
  /** true/false filter on hidden; undefined → both. */
  hidden?: boolean;
}

function likeEscaped(p: string): string {
  return `'%' || replace(replace(replace(${p}, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'`;
}

function toItem(r: any): AdminCharacterListItem {
  return {
    ...toCharacter(r),
    artwork: toListArtwork(r),
    channelTitle: r.channel_title ?? null,
    artworkCount: r.artwork_count ?? 0,
  };
}

/** The WHERE clause of the admin list's filter (trashed characters are never part of it). */
function adminWhere(o: AdminCharacterFilter, params: unknown[]): string {
  const where: string[] = ['c.deleted_at IS NULL'];
  if (o.needsReview !== undefined) {
    params.push(o.needsReview);
    where.push(`c.needs_review = $${params.length}`);
  }
  if (o.hidden !== undefined) {
    params.push(o.hidden);
    where.push(`c.hidden = $${params.length}`);
  }
  if (o.search) {
    params.push(o.search);
    const p = `$${params.length}`;
    where.push(`(c.name_search LIKE ${likeEscaped(p)} OR c.anime_search LIKE ${likeEscaped(p)}
      OR ${p} <% c.name_search OR ${p} <% c.anime_search OR c.id::text = ${p} OR lower(c.source_id) = ${p}
      OR lower(c.raw_caption) LIKE ${likeEscaped(p)} OR c.rarity_emoji = ${p}
      OR EXISTS (SELECT 1 FROM character_aliases al WHERE al.character_id = c.id AND al.name_search LIKE ${likeEscaped(p)}))`);
  }
  return `WHERE ${where.join(' AND ')}`;
}

/** Ids of the characters the filter matches (a bulk action's "all matching"), at most `limit` + 1 to detect overflow. */
export async function listAdminCharacterIds(q: Queryable, o: AdminCharacterFilter, limit: number): Promise<string[]> {
  const params: unknown[] = [];
  const whereSql = adminWhere(o, params);
  params.push(limit + 1);
  const r = await q.query<{ id: string }>(
    `SELECT c.id::text FROM characters c ${whereSql} ORDER BY c.id LIMIT $${params.length}`,
    params,
  );
  return r.rows.map((x) => x.id);
}

/** Which of these ids name a character outside the trash. */
export async function filterLiveCharacterIds(q: Queryable, ids: string[]): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    'SELECT id::text FROM characters WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL ORDER BY id',
    [ids],
  );
  return r.rows.map((x) => x.id);
}

/**
 * A page of characters for the admin list, hidden ones included. The search matches the id, the source id,
 * the raw caption and (substring or trigram) name/anime, so emoji and caption fragments find their character.
 */
export async function listAdminCharacters(
  q: Queryable,
  o: AdminCharacterQuery,
): Promise<{ items: AdminCharacterListItem[]; total: number }> {
  const params: unknown[] = [];
  const whereSql = adminWhere(o, params);
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM characters c ${whereSql}`, params);
  params.push(o.perPage, (o.page - 1) * o.perPage);
  const rows = await q.query(
    `SELECT c.*, ch.title AS channel_title, a.id AS a_id, a.file_path, a.thumb_path, a.sha256, a.thumb_widths, a.width, a.height, a.bytes, a.mime,
        (SELECT count(*)::int FROM artworks x WHERE x.character_id = c.id AND x.deleted_at IS NULL) AS artwork_count
       FROM characters c
       LEFT JOIN artworks a ON a.character_id = c.id AND a.is_current
       LEFT JOIN channels ch ON ch.id = c.channel_id
       ${whereSql}
      ORDER BY c.needs_review DESC, c.updated_at DESC, c.id DESC
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { total: total.rows[0]!.n, items: rows.rows.map(toItem) };
}

/** The title of a channel, or null (for the detail views). */
export async function findChannelTitle(q: Queryable, channelId: string | null): Promise<string | null> {
  if (!channelId) return null;
  const r = await q.query<{ title: string }>('SELECT title FROM channels WHERE id = $1', [channelId]);
  return r.rows[0]?.title ?? null;
}
