/**
 * SQL for characters. A character is one (name, anime) identity across posts and channels; its artworks
 * carry what is specific to each post. The character's caption fields are those of its current artwork,
 * except the ones an admin edited by hand.
 */
import type { Queryable } from '../db/database.js';
import type { CaptionFields } from '../captions/types.js';
import { inSlices, isoOrNull } from './rows.js';
import { thumbKey } from '../services/image-store.js';

/** The fields of a character that come from its caption (and that an admin may edit by hand). */
export type CharacterFields = CaptionFields;
export const CHARACTER_FIELD_COLUMNS: Record<keyof CharacterFields, string> = {
  name: 'name',
  anime: 'anime',
  rarity: 'rarity',
  rarityEmoji: 'rarity_emoji',
  sourceId: 'source_id',
  variant: 'variant',
};

export interface Character extends CharacterFields {
  id: string;
  channelId: string | null;
  captionFamily: string | null;
  parseConfidence: number | null;
  rawCaption: string;
  needsReview: boolean;
  editedFields: string[];
  hidden: boolean;
  /** Split off by an admin: new posts never join it. */
  splitOff: boolean;
  createdAt: string;
  updatedAt: string;
  /** Set while the character is in the trash. */
  deletedAt: string | null;
}

/** The file columns of an artwork that the API shows (URLs, thumbnail widths, size). */
export interface ArtworkFileRow {
  id: string;
  filePath: string;
  thumbPath: string;
  sha256: string;
  /** Widths of the srcset thumbnails (empty for an artwork not yet backfilled). */
  thumbWidths: number[];
  width: number;
  height: number;
  bytes: number;
  mime: string;
}

/** A character with its current artwork and how many visible artworks it has, as listed in the gallery. */
export interface CharacterListItem extends Character {
  artwork: ArtworkFileRow | null;
  artworkCount: number;
}

const SELECT = `c.id, c.channel_id, c.name, c.anime, c.rarity, c.rarity_emoji, c.source_id, c.variant, c.caption_family,
  c.parse_confidence, c.raw_caption, c.needs_review, c.edited_fields, c.hidden, c.split_off, c.created_at, c.updated_at, c.deleted_at`;

/** The count of a character's (aliased `c`) visible artworks, as `artwork_count`. */
export const ARTWORK_COUNT_SELECT =
  '(SELECT count(*)::int FROM artworks x WHERE x.character_id = c.id AND NOT x.hidden AND x.deleted_at IS NULL) AS artwork_count';

/**
 * The grouping key of a normalised (name, anime): posts with the same key belong to one character.
 * Null without a name (an unparsed caption groups with nothing).
 */
export function groupKeyOf(nameSearch: string, animeSearch: string): string | null {
  return nameSearch ? `${nameSearch}\u001f${animeSearch}` : null;
}

/**
 * SQL for the group key a character row may take: its key unless it was split off or another character
 * (or another character's alias) holds the key already — it then stays apart, a merge candidate.
 */
function groupKeySql(id: string, key: string): string {
  return `CASE WHEN split_off OR ${key}::text IS NULL THEN NULL
    WHEN EXISTS (SELECT 1 FROM characters o WHERE o.group_key = ${key} AND o.id <> ${id})
      OR EXISTS (SELECT 1 FROM character_aliases al WHERE al.group_key = ${key} AND al.character_id <> ${id}) THEN NULL
    ELSE ${key} END`;
}

/** The character columns (aliased `c`) that toCharacter maps, for queries in other repos. */
export const CHARACTER_SELECT = SELECT;

/** Maps a row selected with the character columns (aliased `c`). */
export function toCharacter(r: any): Character {
  return {
    id: r.id,
    channelId: r.channel_id,
    name: r.name,
    anime: r.anime,
    rarity: r.rarity,
    rarityEmoji: r.rarity_emoji,
    sourceId: r.source_id,
    variant: r.variant,
    captionFamily: r.caption_family,
    parseConfidence: r.parse_confidence,
    rawCaption: r.raw_caption,
    needsReview: r.needs_review,
    editedFields: r.edited_fields ?? [],
    hidden: r.hidden,
    splitOff: r.split_off ?? false,
    createdAt: isoOrNull(r.created_at)!,
    updatedAt: isoOrNull(r.updated_at)!,
    deletedAt: isoOrNull(r.deleted_at ?? null),
  };
}

/** Maps the current-artwork columns of a list row (a_id, file_path, …), or null without one. */
export function toListArtwork(r: any): CharacterListItem['artwork'] {
  return r.a_id
    ? {
        id: r.a_id,
        filePath: r.file_path,
        thumbPath: r.thumb_path,
        sha256: r.sha256,
        thumbWidths: r.thumb_widths ?? [],
        width: r.width,
        height: r.height,
        bytes: r.bytes,
        mime: r.mime,
      }
    : null;
}

/** Returns the character or null. */
export async function findCharacterById(q: Queryable, id: string): Promise<Character | null> {
  const r = await q.query(`SELECT ${SELECT} FROM characters c WHERE c.id = $1`, [id]);
  return r.rows[0] ? toCharacter(r.rows[0]) : null;
}

/**
 * The character a catcher bot's card id names in a channel (the character of its latest post with that
 * id: a repost is the same card), or null.
 */
export async function findCharacterBySource(
  q: Queryable,
  channelId: string | null,
  sourceId: string,
): Promise<Character | null> {
  const r = await q.query(
    `SELECT ${SELECT} FROM characters c
      WHERE c.id = (SELECT a.character_id FROM artworks a JOIN characters t ON t.id = a.character_id AND t.deleted_at IS NULL
                     WHERE a.channel_id IS NOT DISTINCT FROM $1 AND a.source_id = $2
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1)`,
    [channelId, sourceId],
  );
  return r.rows[0] ? toCharacter(r.rows[0]) : null;
}

/** The character (not in the trash) whose (name, anime) or one of whose aliases has this group key, or null. */
export async function findCharacterByGroupKey(q: Queryable, key: string | null): Promise<Character | null> {
  if (!key) return null;
  const r = await q.query(
    `SELECT ${SELECT} FROM characters c
      WHERE (c.group_key = $1 OR c.id = (SELECT al.character_id FROM character_aliases al WHERE al.group_key = $1)) AND c.deleted_at IS NULL
      ORDER BY c.group_key = $1 DESC LIMIT 1`,
    [key],
  );
  return r.rows[0] ? toCharacter(r.rows[0]) : null;
}

/**
 * Which character a new post joins: the one its (channel, card id) names (`card`: a repost, possibly of a
 * renamed card), else the one with its normalised (name, anime) or such an alias (`name`); null → a new one.
 */
export async function findCharacterForPost(
  q: Queryable,
  post: { channelId: string | null; sourceId: string | null; nameSearch: string; animeSearch: string },
): Promise<{ character: Character; by: 'card' | 'name' } | null> {
  if (post.sourceId) {
    const bySource = await findCharacterBySource(q, post.channelId, post.sourceId);
    if (bySource) return { character: bySource, by: 'card' };
  }
  const byName = await findCharacterByGroupKey(q, groupKeyOf(post.nameSearch, post.animeSearch));
  return byName ? { character: byName, by: 'name' } : null;
}

export interface NewCharacter extends CharacterFields {
  channelId: string | null;
  captionFamily: string | null;
  parseConfidence: number | null;
  rawCaption: string;
  needsReview: boolean;
  nameSearch: string;
  animeSearch: string;
  createdAt?: Date | null;
  /** Split off by an admin: takes no group key, so new posts never join it. */
  splitOff?: boolean;
  /**
   * When another character holds this (name, anime) already: true (default) keeps the new one apart (no group
   * key, a merge candidate); false fails with a unique violation (ingest, which then joins that character).
   */
  apartIfTaken?: boolean;
}

/**
 * Inserts a character and returns its id. Its group key is unique: with `apartIfTaken: false` an insert of a
 * (name, anime) another character holds (also a concurrent one) fails with a unique violation (23505), and
 * the caller's retry then finds that character.
 */
export async function insertCharacter(q: Queryable, c: NewCharacter): Promise<string> {
  const key = c.splitOff ? null : groupKeyOf(c.nameSearch, c.animeSearch);
  // a character in the trash gives its (name, anime) up to the new one (restored, it stays apart: a merge candidate)
  if (key)
    await q.query('UPDATE characters SET group_key = NULL WHERE group_key = $1 AND deleted_at IS NOT NULL', [key]);
  const r = await q.query<{ id: string }>(
    `INSERT INTO characters (channel_id, name, anime, rarity, rarity_emoji, source_id, variant, caption_family, parse_confidence,
        raw_caption, needs_review, name_search, anime_search, created_at, updated_at, split_off, group_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce($14, now()), coalesce($14, now()), $15,
       CASE WHEN $17 AND (EXISTS (SELECT 1 FROM characters o WHERE o.group_key = $16)
                          OR EXISTS (SELECT 1 FROM character_aliases al WHERE al.group_key = $16)) THEN NULL ELSE $16::text END) RETURNING id`,
    [
      c.channelId,
      c.name,
      c.anime,
      c.rarity,
      c.rarityEmoji,
      c.sourceId,
      c.variant,
      c.captionFamily,
      c.parseConfidence,
      c.rawCaption,
      c.needsReview,
      c.nameSearch,
      c.animeSearch,
      c.createdAt ?? null,
      c.splitOff ?? false,
      key,
      c.apartIfTaken ?? true,
    ],
  );
  return r.rows[0]!.id;
}

export interface CaptionUpdate extends CharacterFields {
  captionFamily: string | null;
  parseConfidence: number | null;
  rawCaption: string;
  needsReview: boolean;
  /** The channel of the post the caption comes from; undefined keeps the character's. */
  channelId?: string | null;
}

/**
 * Replaces the caption-derived fields, except those listed in edited_fields (an admin's hand edits win)
 * unless `overrideEdits`. Search columns are recomputed by the caller-supplied normaliser.
 * Returns the names of the fields that changed.
 */
export async function applyCaption(
  q: Queryable,
  id: string,
  u: CaptionUpdate,
  normalize: (s: string) => string,
  overrideEdits = false,
): Promise<string[]> {
  const current = await findCharacterById(q, id);
  if (!current) return [];
  const keep = new Set(overrideEdits ? [] : current.editedFields);
  const next: CharacterFields = { ...current };
  const changed: string[] = [];
  for (const key of Object.keys(CHARACTER_FIELD_COLUMNS) as (keyof CharacterFields)[]) {
    if (keep.has(key) || current[key] === u[key]) continue;
    next[key] = u[key];
    changed.push(key);
  }
  const nameSearch = normalize(next.name ?? '');
  const animeSearch = normalize(next.anime ?? '');
  await q.query(
    `UPDATE characters SET name = $2, anime = $3, rarity = $4, rarity_emoji = $5, source_id = $6, variant = $7,
        caption_family = $8, parse_confidence = $9, raw_caption = $10, needs_review = $11, name_search = $12, anime_search = $13,
        edited_fields = CASE WHEN $14 THEN '{}'::text[] ELSE edited_fields END, updated_at = now(),
        channel_id = CASE WHEN $16 THEN $17::bigint ELSE channel_id END, group_key = ${groupKeySql('$1', '$15')}
      WHERE id = $1`,
    [
      id,
      next.name,
      next.anime,
      next.rarity,
      next.rarityEmoji,
      next.sourceId,
      next.variant,
      u.captionFamily,
      u.parseConfidence,
      u.rawCaption,
      u.needsReview && !keep.has('name'),
      nameSearch,
      animeSearch,
      overrideEdits,
      groupKeyOf(nameSearch, animeSearch),
      u.channelId !== undefined,
      u.channelId ?? null,
    ],
  );
  return changed;
}

/** An admin's hand edit: sets the given fields and remembers them as edited. */
export async function editCharacterFields(
  q: Queryable,
  id: string,
  fields: Partial<CharacterFields>,
  normalize: (s: string) => string,
): Promise<Character | null> {
  const current = await findCharacterById(q, id);
  if (!current) return null;
  const next = { ...current, ...fields };
  const edited = new Set([...current.editedFields, ...Object.keys(fields)]);
  const nameSearch = normalize(next.name ?? '');
  const animeSearch = normalize(next.anime ?? '');
  await q.query(
    `UPDATE characters SET name = $2, anime = $3, rarity = $4, rarity_emoji = $5, source_id = $6, variant = $7,
        name_search = $8, anime_search = $9, edited_fields = $10, needs_review = false, updated_at = now(),
        group_key = ${groupKeySql('$1', '$11')} WHERE id = $1`,
    [
      id,
      next.name,
      next.anime,
      next.rarity,
      next.rarityEmoji,
      next.sourceId,
      next.variant,
      nameSearch,
      animeSearch,
      [...edited],
      groupKeyOf(nameSearch, animeSearch),
    ],
  );
  return findCharacterById(q, id);
}

/**
 * A bulk hand edit of anime and/or rarity on many characters in one statement, remembered as edited
 * (re-parsing keeps them). Trashed characters are left alone. Returns the ids changed.
 */
export async function bulkSetFields(
  q: Queryable,
  ids: string[],
  fields: { anime?: string | null; rarity?: string | null },
  normalize: (s: string) => string,
): Promise<string[]> {
  const keys = (['anime', 'rarity'] as const).filter((k) => fields[k] !== undefined);
  if (keys.length === 0) return [];
  const changed: string[] = [];
  for (const slice of inSlices(ids)) {
    const r = await q.query<{ id: string }>(
      `UPDATE characters SET
          anime = CASE WHEN $2 THEN $3 ELSE anime END, anime_search = CASE WHEN $2 THEN $4 ELSE anime_search END,
          rarity = CASE WHEN $5 THEN $6 ELSE rarity END,
          edited_fields = ARRAY(SELECT DISTINCT unnest(edited_fields || $7::text[]) ORDER BY 1), needs_review = false, updated_at = now()
        WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL
          AND (($2 AND anime IS DISTINCT FROM $3) OR ($5 AND rarity IS DISTINCT FROM $6) OR needs_review OR NOT edited_fields @> $7::text[])
        RETURNING id::text`,
      [
        slice,
        keys.includes('anime'),
        fields.anime ?? null,
        normalize(fields.anime ?? ''),
        keys.includes('rarity'),
        fields.rarity ?? null,
        keys,
      ],
    );
    changed.push(...r.rows.map((x) => x.id));
    if (keys.includes('anime'))
      await refreshGroupKeys(
        q,
        r.rows.map((x) => x.id),
      );
  }
  return changed;
}

/**
 * Recomputes the group keys of characters whose (name, anime) changed together (a bulk edit): the lowest
 * id of each new (name, anime) takes it unless another character or alias holds it; the others stay apart
 * (merge candidates), as a single hand edit would leave them.
 */
export async function refreshGroupKeys(q: Queryable, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await q.query('UPDATE characters SET group_key = NULL WHERE id = ANY($1::bigint[])', [ids]);
  await q.query(
    `UPDATE characters c SET group_key = k.key
       FROM (SELECT id, key, row_number() OVER (PARTITION BY key ORDER BY id) AS rn
               FROM (SELECT id, CASE WHEN NOT split_off AND name_search <> '' THEN name_search || chr(31) || anime_search END AS key
                       FROM characters WHERE id = ANY($1::bigint[])) t) k
      WHERE c.id = k.id AND k.key IS NOT NULL AND k.rn = 1
        AND NOT EXISTS (SELECT 1 FROM characters o WHERE o.group_key = k.key)
        AND NOT EXISTS (SELECT 1 FROM character_aliases al WHERE al.group_key = k.key AND al.character_id <> c.id)`,
    [ids],
  );
}

/** Hides or shows many characters; returns the ids whose state changed. */
export async function bulkSetHidden(q: Queryable, ids: string[], hidden: boolean): Promise<string[]> {
  const changed: string[] = [];
  for (const slice of inSlices(ids)) {
    const r = await q.query<{ id: string }>(
      'UPDATE characters SET hidden = $2, updated_at = now() WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL AND hidden <> $2 RETURNING id::text',
      [slice, hidden],
    );
    changed.push(...r.rows.map((x) => x.id));
  }
  return changed;
}

/** Hides or shows a character (deleted posts are hidden, never destroyed). */
export async function setCharacterHidden(q: Queryable, id: string, hidden: boolean): Promise<void> {
  await q.query('UPDATE characters SET hidden = $2, updated_at = now() WHERE id = $1', [id, hidden]);
}

/** Hides a character no admin edited by hand and flags it for review; false when it was edited or already hidden. */
export async function hideUneditedForReview(q: Queryable, id: string): Promise<boolean> {
  const r = await q.query(
    `UPDATE characters SET hidden = true, needs_review = true, updated_at = now()
      WHERE id = $1 AND NOT hidden AND cardinality(edited_fields) = 0`,
    [id],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Deletes a character and (by cascade) its artwork rows; returns the store keys to remove. */
export async function deleteCharacter(q: Queryable, id: string): Promise<string[]> {
  const files = await q.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
    'SELECT file_path, thumb_path, sha256, thumb_widths FROM artworks WHERE character_id = $1',
    [id],
  );
  await q.query('DELETE FROM characters WHERE id = $1', [id]);
  return files.rows.flatMap((r) => [
    ...new Set([r.file_path, r.thumb_path, ...r.thumb_widths.map((w) => thumbKey(r.sha256, w))]),
  ]);
}

/** Locks character rows (in id order, so two merges never deadlock); returns the ids that exist. */
export async function lockCharacters(q: Queryable, ids: string[]): Promise<Set<string>> {
  const r = await q.query<{ id: string }>(
    'SELECT id::text AS id FROM characters WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE',
    [ids],
  );
  return new Set(r.rows.map((x) => x.id));
}

/** The whole row of a character as JSON (kept in the change log so that a merge can be undone). */
export async function snapshotCharacterRow(q: Queryable, id: string): Promise<Record<string, unknown> | null> {
  const r = await q.query<{ row: Record<string, unknown> }>(
    'SELECT to_jsonb(c) AS row FROM characters c WHERE c.id = $1',
    [id],
  );
  return r.rows[0]?.row ?? null;
}

/** Puts back a character row saved by snapshotCharacterRow (same id and columns). */
export async function restoreCharacterRow(q: Queryable, row: Record<string, unknown>): Promise<void> {
  await q.query('INSERT INTO characters SELECT * FROM jsonb_populate_record(NULL::characters, $1::jsonb)', [
    JSON.stringify(row),
  ]);
}
