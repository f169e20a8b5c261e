/** SQL for characters. */
import type { Queryable } from '../db/database.js';
import type { CaptionFields } from '../captions/types.js';
import { isoOrNull } from './rows.js';

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
  createdAt: string;
  updatedAt: string;
}

/** A character with its current artwork, as listed in the gallery. */
export interface CharacterListItem extends Character {
  artwork: { id: string; filePath: string; thumbPath: string; width: number; height: number; bytes: number; mime: string } | null;
}

const SELECT = `c.id, c.channel_id, c.name, c.anime, c.rarity, c.rarity_emoji, c.source_id, c.variant, c.caption_family,
  c.parse_confidence, c.raw_caption, c.needs_review, c.edited_fields, c.hidden, c.created_at, c.updated_at`;

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
    createdAt: isoOrNull(r.created_at)!,
    updatedAt: isoOrNull(r.updated_at)!,
  };
}

/** Maps the current-artwork columns of a list row (a_id, file_path, …), or null without one. */
export function toListArtwork(r: any): CharacterListItem['artwork'] {
  return r.a_id
    ? { id: r.a_id, filePath: r.file_path, thumbPath: r.thumb_path, width: r.width, height: r.height, bytes: r.bytes, mime: r.mime }
    : null;
}

/** Returns the character or null. */
export async function findCharacterById(q: Queryable, id: string): Promise<Character | null> {
  const r = await q.query(`SELECT ${SELECT} FROM characters c WHERE c.id = $1`, [id]);
  return r.rows[0] ? toCharacter(r.rows[0]) : null;
}

/** The character a catcher bot's id names in a channel, or null. */
export async function findCharacterBySource(q: Queryable, channelId: string | null, sourceId: string): Promise<Character | null> {
  const r = await q.query(`SELECT ${SELECT} FROM characters c WHERE c.channel_id IS NOT DISTINCT FROM $1 AND c.source_id = $2`, [channelId, sourceId]);
  return r.rows[0] ? toCharacter(r.rows[0]) : null;
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
}

/** Inserts a character and returns its id. */
export async function insertCharacter(q: Queryable, c: NewCharacter): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO characters (channel_id, name, anime, rarity, rarity_emoji, source_id, variant, caption_family, parse_confidence,
        raw_caption, needs_review, name_search, anime_search, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce($14, now()), coalesce($14, now())) RETURNING id`,
    [c.channelId, c.name, c.anime, c.rarity, c.rarityEmoji, c.sourceId, c.variant, c.captionFamily, c.parseConfidence,
      c.rawCaption, c.needsReview, c.nameSearch, c.animeSearch, c.createdAt ?? null],
  );
  return r.rows[0]!.id;
}

export interface CaptionUpdate extends CharacterFields {
  captionFamily: string | null;
  parseConfidence: number | null;
  rawCaption: string;
  needsReview: boolean;
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
  await q.query(
    `UPDATE characters SET name = $2, anime = $3, rarity = $4, rarity_emoji = $5, source_id = $6, variant = $7,
        caption_family = $8, parse_confidence = $9, raw_caption = $10, needs_review = $11, name_search = $12, anime_search = $13,
        edited_fields = CASE WHEN $14 THEN '{}'::text[] ELSE edited_fields END, updated_at = now()
      WHERE id = $1`,
    [id, next.name, next.anime, next.rarity, next.rarityEmoji, next.sourceId, next.variant, u.captionFamily, u.parseConfidence,
      u.rawCaption, u.needsReview && !keep.has('name'), normalize(next.name ?? ''), normalize(next.anime ?? ''), overrideEdits],
  );
  return changed;
}

/** An admin's hand edit: sets the given fields and remembers them as edited. */
export async function editCharacterFields(q: Queryable, id: string, fields: Partial<CharacterFields>, normalize: (s: string) => string): Promise<Character | null> {
  const current = await findCharacterById(q, id);
  if (!current) return null;
  const next = { ...current, ...fields };
  const edited = new Set([...current.editedFields, ...Object.keys(fields)]);
  await q.query(
    `UPDATE characters SET name = $2, anime = $3, rarity = $4, rarity_emoji = $5, source_id = $6, variant = $7,
        name_search = $8, anime_search = $9, edited_fields = $10, needs_review = false, updated_at = now() WHERE id = $1`,
    [id, next.name, next.anime, next.rarity, next.rarityEmoji, next.sourceId, next.variant, normalize(next.name ?? ''), normalize(next.anime ?? ''), [...edited]],
  );
  return findCharacterById(q, id);
}

/** Hides or shows a character (deleted posts are hidden, never destroyed). */
export async function setCharacterHidden(q: Queryable, id: string, hidden: boolean): Promise<void> {
  await q.query('UPDATE characters SET hidden = $2, updated_at = now() WHERE id = $1', [id, hidden]);
}

/** Deletes a character and (by cascade) its artwork rows; returns the file paths to remove. */
export async function deleteCharacter(q: Queryable, id: string): Promise<string[]> {
  const files = await q.query<{ file_path: string; thumb_path: string }>('SELECT file_path, thumb_path FROM artworks WHERE character_id = $1', [id]);
  await q.query('DELETE FROM characters WHERE id = $1', [id]);
  return files.rows.flatMap((r) => [r.file_path, r.thumb_path]);
}
