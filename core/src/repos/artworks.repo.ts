/**
 * SQL for artworks: the image files of a character, one per post (one current, the others kept), each with
 * what is specific to its post: channel, message, the bot's card id, the parsed caption fields and date.
 */
import type { Queryable } from '../db/database.js';
import type { CaptionFields } from '../captions/types.js';
import { isoOrNull } from './rows.js';
import { thumbKey } from '../services/image-store.js';

/** The caption of the post an artwork came from, as parsed. */
export interface ArtworkCaption extends CaptionFields {
  rawCaption: string;
  captionFamily: string | null;
  parseConfidence: number | null;
  needsReview: boolean;
}

/** The stored image file of an artwork and where it came from. */
interface ArtworkFile {
  characterId: string;
  filePath: string;
  thumbPath: string;
  /** Widths of the srcset thumbnails (empty: only thumbPath, from before they existed). */
  thumbWidths: number[];
  sha256: string;
  phash: string;
  width: number;
  height: number;
  bytes: number;
  mime: string;
  channelId: string | null;
  groupedId: string | null;
  telegramPhotoId: string | null;
}

export interface Artwork extends ArtworkCaption, ArtworkFile {
  id: string;
  messageId: string | null;
  isCurrent: boolean;
  hidden: boolean;
  createdAt: string;
  /** The title of its channel (detail listings only). */
  channelTitle?: string | null;
  /** Set while the artwork is in the trash. */
  deletedAt: string | null;
}

function toArtwork(r: any): Artwork {
  return {
    id: r.id,
    characterId: r.character_id,
    filePath: r.file_path,
    thumbPath: r.thumb_path,
    thumbWidths: r.thumb_widths ?? [],
    sha256: r.sha256,
    phash: r.phash,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
    mime: r.mime,
    channelId: r.channel_id,
    messageId: r.message_id,
    groupedId: r.grouped_id,
    telegramPhotoId: r.telegram_photo_id,
    isCurrent: r.is_current,
    hidden: r.hidden,
    createdAt: isoOrNull(r.created_at)!,
    deletedAt: isoOrNull(r.deleted_at ?? null),
    ...(r.channel_title !== undefined ? { channelTitle: r.channel_title } : {}),
    ...toArtworkCaption(r),
  };
}

function toArtworkCaption(r: any): ArtworkCaption {
  return {
    name: r.name,
    anime: r.anime,
    rarity: r.rarity,
    rarityEmoji: r.rarity_emoji,
    sourceId: r.source_id,
    variant: r.variant,
    rawCaption: r.raw_caption ?? '',
    captionFamily: r.caption_family,
    parseConfidence: r.parse_confidence,
    needsReview: r.needs_review ?? false,
  };
}

/** The artwork or null. */
export async function findArtworkById(q: Queryable, id: string): Promise<Artwork | null> {
  const r = await q.query('SELECT * FROM artworks WHERE id = $1', [id]);
  return r.rows[0] ? toArtwork(r.rows[0]) : null;
}

/** The artwork with these bytes, or null. */
export async function findArtworkBySha(q: Queryable, sha256: string): Promise<Artwork | null> {
  const r = await q.query('SELECT * FROM artworks WHERE sha256 = $1', [sha256]);
  return r.rows[0] ? toArtwork(r.rows[0]) : null;
}

/** The artwork stored from a channel message, or null. */
export async function findArtworkByMessage(
  q: Queryable,
  channelId: string,
  messageId: number | string,
): Promise<Artwork | null> {
  const r = await q.query('SELECT * FROM artworks WHERE channel_id = $1 AND message_id = $2', [channelId, messageId]);
  return r.rows[0] ? toArtwork(r.rows[0]) : null;
}

/** Every artwork of a character, current first, then newest. */
export async function listArtworksOfCharacter(q: Queryable, characterId: string): Promise<Artwork[]> {
  const r = await q.query(
    `SELECT a.*, nullif(ch.title, '') AS channel_title FROM artworks a LEFT JOIN channels ch ON ch.id = a.channel_id
      WHERE a.character_id = $1 ORDER BY a.is_current DESC, a.created_at DESC, a.id DESC`,
    [characterId],
  );
  return r.rows.map(toArtwork);
}

export interface NewArtwork extends Partial<ArtworkCaption>, ArtworkFile {
  messageId: number | null;
  createdAt?: Date | null;
  /** The character was inserted in this same transaction: it has no current artwork to demote. */
  newCharacter?: boolean;
}

/** Inserts an artwork as the character's current one (the previous current one becomes history). */
export async function insertCurrentArtwork(q: Queryable, a: NewArtwork): Promise<string> {
  if (!a.newCharacter)
    await q.query('UPDATE artworks SET is_current = false WHERE character_id = $1 AND is_current', [a.characterId]);
  const r = await q.query<{ id: string }>(
    `INSERT INTO artworks (character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime, channel_id, message_id,
        grouped_id, telegram_photo_id, is_current, created_at, thumb_widths,
        name, anime, rarity, rarity_emoji, source_id, variant, raw_caption, caption_family, parse_confidence, needs_review)
     VALUES ($1, $2, $3, $4, $5::bit(64), $6, $7, $8, $9, $10, $11, $12, $13, true, coalesce($14, now()), $15::smallint[],
        $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING id`,
    [
      a.characterId,
      a.filePath,
      a.thumbPath,
      a.sha256,
      a.phash,
      a.width,
      a.height,
      a.bytes,
      a.mime,
      a.channelId,
      a.messageId,
      a.groupedId,
      a.telegramPhotoId,
      a.createdAt ?? null,
      a.thumbWidths,
      a.name ?? null,
      a.anime ?? null,
      a.rarity ?? null,
      a.rarityEmoji ?? null,
      a.sourceId ?? null,
      a.variant ?? null,
      a.rawCaption ?? '',
      a.captionFamily ?? null,
      a.parseConfidence ?? null,
      a.needsReview ?? false,
    ],
  );
  return r.rows[0]!.id;
}

/** Replaces the parsed caption of an artwork's post (a caption edit, a re-parse). */
export async function setArtworkCaption(q: Queryable, id: string, c: ArtworkCaption): Promise<void> {
  await q.query(
    `UPDATE artworks SET name = $2, anime = $3, rarity = $4, rarity_emoji = $5, source_id = $6, variant = $7, raw_caption = $8,
        caption_family = $9, parse_confidence = $10, needs_review = $11 WHERE id = $1`,
    [
      id,
      c.name,
      c.anime,
      c.rarity,
      c.rarityEmoji,
      c.sourceId,
      c.variant,
      c.rawCaption,
      c.captionFamily,
      c.parseConfidence,
      c.needsReview,
    ],
  );
}

/** Moves every artwork of `fromId` to `toId` as older artworks (the target keeps its current one); returns their ids. */
export async function moveArtworks(q: Queryable, fromId: string, toId: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    'UPDATE artworks SET character_id = $2, is_current = false WHERE character_id = $1 RETURNING id::text AS id',
    [fromId, toId],
  );
  return r.rows.map((x) => x.id);
}

/** Moves one artwork to a character as its current artwork (the previous current one becomes history). */
export async function moveArtworkAsCurrent(q: Queryable, artworkId: string, toId: string): Promise<void> {
  await q.query('UPDATE artworks SET is_current = false WHERE character_id = $1 AND is_current', [toId]);
  await q.query('UPDATE artworks SET character_id = $2, is_current = true WHERE id = $1', [artworkId, toId]);
}

/** Makes the newest visible (else newest) artwork current when a character has none; returns it, or null without artworks. */
export async function ensureCurrentArtwork(q: Queryable, characterId: string): Promise<Artwork | null> {
  const current = await q.query('SELECT * FROM artworks WHERE character_id = $1 AND is_current', [characterId]);
  if (current.rows[0]) return toArtwork(current.rows[0]);
  const r = await q.query(
    `UPDATE artworks SET is_current = true WHERE id = (SELECT id FROM artworks WHERE character_id = $1
       ORDER BY hidden, created_at DESC, id DESC LIMIT 1) RETURNING *`,
    [characterId],
  );
  return r.rows[0] ? toArtwork(r.rows[0]) : null;
}

const VARIANT_RE = /^thumbs\/[0-9a-f]{2}\/([0-9a-f]{64})-(\d+)\.webp$/;

/** Which of these stored keys (originals, thumbnails, srcset thumbnails) a row still refers to. */
export async function findReferencedPaths(q: Queryable, paths: string[]): Promise<Set<string>> {
  if (!paths.length) return new Set();
  const r = await q.query<{ p: string }>(
    `SELECT file_path AS p FROM artworks WHERE file_path = ANY($1::text[])
     UNION SELECT thumb_path FROM artworks WHERE thumb_path = ANY($1::text[])`,
    [paths],
  );
  const found = new Set(r.rows.map((x) => x.p));
  // srcset thumbnails are named by the artwork's sha256 and a width the row lists (found by the sha256 index)
  const variants = paths.map((p) => VARIANT_RE.exec(p)).filter((m): m is RegExpExecArray => m !== null);
  if (variants.length) {
    const rows = await q.query<{ sha256: string; thumb_widths: number[] }>(
      'SELECT sha256, thumb_widths FROM artworks WHERE sha256 = ANY($1::text[])',
      [[...new Set(variants.map((m) => m[1]!))]],
    );
    const widths = new Map(rows.rows.map((x) => [x.sha256, new Set(x.thumb_widths)]));
    for (const m of variants) if (widths.get(m[1]!)?.has(Number(m[2]))) found.add(m[0]);
  }
  return found;
}

/** Artworks without srcset thumbnails, by id after `after` (the thumbnail backfill's keyset). */
export async function listArtworksWithoutThumbWidths(
  q: Queryable,
  after: string,
  limit: number,
): Promise<Pick<Artwork, 'id' | 'filePath' | 'thumbPath' | 'sha256'>[]> {
  const r = await q.query<{ id: string; file_path: string; thumb_path: string; sha256: string }>(
    `SELECT id::text, file_path, thumb_path, sha256 FROM artworks WHERE cardinality(thumb_widths) = 0 AND id > $1::bigint ORDER BY id LIMIT $2`,
    [after, limit],
  );
  return r.rows.map((x) => ({ id: x.id, filePath: x.file_path, thumbPath: x.thumb_path, sha256: x.sha256 }));
}

export async function countArtworksWithoutThumbWidths(q: Queryable): Promise<number> {
  const r = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM artworks WHERE cardinality(thumb_widths) = 0');
  return r.rows[0]!.n;
}

/** Records an artwork's srcset thumbnails (and its one-size thumbnail); false when it was done meanwhile. */
export async function setArtworkThumbWidths(
  q: Queryable,
  id: string,
  thumbPath: string,
  widths: number[],
): Promise<boolean> {
  const r = await q.query(
    'UPDATE artworks SET thumb_path = $2, thumb_widths = $3::smallint[] WHERE id = $1 AND cardinality(thumb_widths) = 0',
    [id, thumbPath, widths],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Moves artworks by id (those still on `fromId`) to a character as older artworks; returns the ids moved. */
export async function reassignArtworks(q: Queryable, ids: string[], fromId: string, toId: string): Promise<string[]> {
  if (!ids.length) return [];
  const r = await q.query<{ id: string }>(
    'UPDATE artworks SET character_id = $3, is_current = false WHERE id = ANY($1::bigint[]) AND character_id = $2 RETURNING id::text AS id',
    [ids, fromId, toId],
  );
  return r.rows.map((x) => x.id);
}

/** Makes one artwork its character's current one. */
export async function setCurrentArtwork(q: Queryable, artworkId: string): Promise<void> {
  await q.query(
    'UPDATE artworks SET is_current = false WHERE is_current AND character_id = (SELECT character_id FROM artworks WHERE id = $1)',
    [artworkId],
  );
  await q.query('UPDATE artworks SET is_current = true WHERE id = $1', [artworkId]);
}

/** Hides or shows one artwork. */
export async function setArtworkHidden(q: Queryable, artworkId: string, hidden: boolean): Promise<void> {
  await q.query('UPDATE artworks SET hidden = $2 WHERE id = $1', [artworkId, hidden]);
}

/** Deletes one artwork row; returns its file paths (to remove once the transaction committed). */
export async function deleteArtworkRow(q: Queryable, artworkId: string): Promise<string[]> {
  const r = await q.query<{ file_path: string; thumb_path: string; sha256: string; thumb_widths: number[] }>(
    'DELETE FROM artworks WHERE id = $1 RETURNING file_path, thumb_path, sha256, thumb_widths',
    [artworkId],
  );
  return r.rows.flatMap((x) => [
    ...new Set([x.file_path, x.thumb_path, ...x.thumb_widths.map((w) => thumbKey(x.sha256, w))]),
  ]);
}

/** How many artworks a character has (hidden included). */
export async function countArtworks(q: Queryable, characterId: string): Promise<number> {
  const r = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM artworks WHERE character_id = $1', [
    characterId,
  ]);
  return r.rows[0]!.n;
}
