/**
 * Stores one image with its caption: the single path every source uses (Telegram sync, Telegram Desktop
 * export, folder import, admin upload, demo seed). Files first (atomic, through the image store), then the
 * rows in one transaction, so an interruption never leaves a row without its file; a repeat is a no-op.
 */
import crypto from 'node:crypto';
import type { Db, Queryable } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { AnalyzedImage } from '../images/analyze-image.js';
import { sharedImagePool, type ImagePool } from '../images/image-pool.js';
import { insertArtworkFeatures } from '../repos/image-features.repo.js';
import { parseCaption, normalizeForSearch, type ParsedCaption } from '../captions/parse-caption.js';
import { channelTemplates } from '../captions/channel-templates.js';
import { nonCharacterReason, NotCharacterPostError } from '../captions/character-post.js';
import { findArtworkByMessage, findArtworkBySha, insertCurrentArtwork } from '../repos/artworks.repo.js';
import {
  applyCaption,
  findCharacterById,
  findCharacterForPost,
  insertCharacter,
  setCharacterHidden,
} from '../repos/characters.repo.js';
import { latestChangeKind, recordCharacterChange } from '../repos/character-changes.repo.js';
import type { CaptionFields } from '../captions/types.js';
import { NotFoundError } from '../errors.js';
import type { Channel } from '../repos/channels.repo.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf, putImageFiles, type ImageFiles } from './image-files.js';

export interface IngestInput {
  bytes: Buffer;
  caption: string;
  entities?: Array<{ type: string; offset: number; length: number; url?: string }> | null;
  /** The channel the image came from (its template and emoji table apply), or null. */
  channel?: Channel | null;
  messageId?: number | null;
  groupedId?: string | null;
  telegramPhotoId?: string | null;
  postedAt?: Date | null;
  /** Store the picture even when its caption is a bot event or no character (an admin naming it by hand). */
  allowNonCharacter?: boolean;
  /** Fields typed by an admin: they override what the caption parser found (grouping included). */
  fields?: Partial<CaptionFields>;
}

export type IngestStatus = 'created' | 'new_artwork' | 'already_stored' | 'duplicate_image';

export interface IngestOutcome {
  status: IngestStatus;
  characterId: string;
  artworkId: string;
  parsed: ParsedCaption | null;
}

export interface IngestService {
  /**
   * Stores the image; throws ImageRejectedError for bad images and NotCharacterPostError for a caption that is a
   * bot event or names no character (nothing is written then).
   */
  ingestImage(input: IngestInput): Promise<IngestOutcome>;
  /**
   * Makes new bytes the current artwork of an existing character (admin "replace artwork"); the old one
   * stays in its history. Returns 'duplicate_image' when these bytes are stored already.
   */
  replaceArtwork(characterId: string, bytes: Buffer): Promise<IngestOutcome>;
  /** Parses a caption with a channel's template and emoji table (for dry runs and previews). */
  parse(caption: string, channel?: Channel | null, entities?: IngestInput['entities']): ParsedCaption;
}

export interface IngestDeps {
  db: Db;
  /** Where files go; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  logger: Logger;
  maxBytes?: number;
  maxPixels?: number;
  /** Where images are decoded, hashed and thumbnailed (default: the process's shared worker pool). */
  imagePool?: ImagePool;
}

/** Creates the ingest service. */
export function createIngestService(deps: IngestDeps): IngestService {
  const store = imageStoreOf(deps);
  const pool = deps.imagePool ?? sharedImagePool();
  const analyze = (bytes: Buffer) => pool.analyze(bytes, { maxBytes: deps.maxBytes, maxPixels: deps.maxPixels });
  const templateOf = channelTemplates((channel, err) =>
    deps.logger.warn({ channel: channel.id, err: err.message }, 'ignoring an invalid caption template'),
  );

  function parse(caption: string, channel?: Channel | null, entities?: IngestInput['entities']): ParsedCaption {
    return parseCaption(caption, entities ?? null, {
      template: templateOf(channel),
      rarityEmojis: channel?.rarityEmojis ?? null,
    });
  }

  async function ingestImage(input: IngestInput): Promise<IngestOutcome> {
    const channelId = input.channel?.id ?? null;
    const parsed: ParsedCaption = { ...parse(input.caption, input.channel, input.entities), ...input.fields };
    const reason = input.allowNonCharacter ? null : nonCharacterReason(parsed, input.caption);
    if (reason) throw new NotCharacterPostError(reason);
    if (channelId && input.messageId != null) {
      const seen = await findArtworkByMessage(deps.db, channelId, input.messageId);
      if (seen) return { status: 'already_stored', characterId: seen.characterId, artworkId: seen.id, parsed: null };
    }
    // Known bytes are answered from the hash alone, so re-imports skip decoding.
    const dup = await findArtworkBySha(deps.db, sha256Hex(input.bytes));
    if (dup) return { status: 'duplicate_image', characterId: dup.characterId, artworkId: dup.id, parsed: null };
    const image = await analyze(input.bytes);
    const paths = await putImageFiles(store, image, input.bytes);

    // A concurrent ingest may create the same character (name or card id) or bytes first (unique violation
    // 23505), or an admin may merge away the character it joins (foreign key violation 23503): the second
    // attempt then finds where the post belongs now and adds to it.
    return retryOnUniqueViolation((retry) =>
      deps.db.transaction(async (tx) => {
        // a concurrent ingest of the same bytes committed first (the first attempt's artwork insert hit the
        // unique sha256): looked up on the retry only, one statement less per image
        const again = retry ? await findArtworkBySha(tx, image.sha256) : null;
        if (again)
          return { status: 'duplicate_image' as const, characterId: again.characterId, artworkId: again.id, parsed };
        let characterId: string | null = null;
        let status: IngestStatus = 'created';
        const nameSearch = normalizeForSearch(parsed.name ?? '');
        const animeSearch = normalizeForSearch(parsed.anime ?? '');
        // the same card (channel, card id) or the same (name, anime) from any channel: one character
        const joined = await findCharacterForPost(tx, {
          channelId,
          sourceId: parsed.sourceId,
          nameSearch,
          animeSearch,
        });
        if (joined) {
          const { character, by } = joined;
          characterId = character.id;
          status = 'new_artwork';
          // joined by name or alias: the character keeps the spelling it has; a repost of a card may rename it
          const identity = by === 'name' ? { name: character.name, anime: character.anime } : {};
          await applyCaption(
            tx,
            character.id,
            { ...captionUpdate(input.caption, parsed), channelId, ...identity },
            normalizeForSearch,
          );
          // hidden because its posts were deleted (not by an admin): a new post shows it again
          if (by === 'name' && character.hidden && (await latestChangeKind(tx, character.id)) === 'deleted') {
            await setCharacterHidden(tx, character.id, false);
            await recordCharacterChange(tx, {
              characterId: character.id,
              kind: 'restored',
              channelId,
              messageId: input.messageId ?? null,
              changes: { hidden: { from: true, to: false } },
            });
          }
        }
        characterId ??= await insertCharacter(tx, {
          ...captionUpdate(input.caption, parsed),
          channelId,
          nameSearch,
          animeSearch,
          createdAt: input.postedAt ?? null,
          apartIfTaken: false, // a concurrent ingest created it first: the retry joins it
        });
        const artworkId = await insertArtworkRow(tx, characterId, image, paths, input, parsed, !joined);
        return { status, characterId, artworkId, parsed };
      }),
    );
  }

  async function replaceArtwork(characterId: string, bytes: Buffer): Promise<IngestOutcome> {
    const image = await analyze(bytes);
    const dup = await findArtworkBySha(deps.db, image.sha256);
    if (dup) return { status: 'duplicate_image', characterId: dup.characterId, artworkId: dup.id, parsed: null };
    const paths = await putImageFiles(store, image, bytes);
    return deps.db.transaction(async (tx) => {
      if (!(await findCharacterById(tx, characterId))) throw new NotFoundError(`character ${characterId} not found`);
      const artworkId = await insertArtworkRow(tx, characterId, image, paths, { bytes, caption: '' }, null);
      return { status: 'new_artwork' as const, characterId, artworkId, parsed: null };
    });
  }

  return { ingestImage, replaceArtwork, parse };
}

async function insertArtworkRow(
  tx: Queryable,
  characterId: string,
  image: AnalyzedImage,
  paths: ImageFiles,
  input: IngestInput,
  parsed: ParsedCaption | null,
  newCharacter = false,
): Promise<string> {
  const artworkId = await insertCurrentArtwork(tx, {
    newCharacter,
    ...(parsed ? captionUpdate(input.caption, parsed) : {}),
    characterId,
    ...paths,
    sha256: image.sha256,
    phash: image.phash,
    width: image.width,
    height: image.height,
    bytes: image.bytes,
    mime: image.mime,
    channelId: input.channel?.id ?? null,
    messageId: input.messageId ?? null,
    groupedId: input.groupedId ?? null,
    telegramPhotoId: input.telegramPhotoId ?? null,
    createdAt: input.postedAt ?? null,
  });
  await insertArtworkFeatures(tx, artworkId, image.features);
  return artworkId;
}

const sha256Hex = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function retryOnUniqueViolation<T>(fn: (retry: boolean) => Promise<T>): Promise<T> {
  try {
    return await fn(false);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '23503') throw err;
    return fn(true);
  }
}

/** The caption-derived columns of a character. */
export function captionUpdate(rawCaption: string, p: ParsedCaption) {
  return {
    name: p.name,
    anime: p.anime,
    rarity: p.rarity,
    rarityEmoji: p.rarityEmoji,
    sourceId: p.sourceId,
    variant: p.variant,
    captionFamily: p.family,
    parseConfidence: p.confidence,
    rawCaption,
    needsReview: p.needsReview,
  };
}
