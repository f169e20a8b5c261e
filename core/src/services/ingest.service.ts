/**
 * Stores one image with its caption: the single path every source uses (Telegram sync, Telegram Desktop
 * export, folder import, admin upload, demo seed). Files first (atomic), then the rows in one transaction,
 * so an interruption never leaves a row without its file; a repeat is a no-op.
 */
import crypto from 'node:crypto';
import type { Db, Queryable } from '../db/database.js';
import type { Logger } from '../logger.js';
import { analyzeImage, type AnalyzedImage } from '../images/analyze-image.js';
import { insertArtworkFeatures } from '../repos/image-features.repo.js';
import { parseCaption, normalizeForSearch, type ParsedCaption } from '../captions/parse-caption.js';
import { channelTemplates } from '../captions/channel-templates.js';
import { findArtworkByMessage, findArtworkBySha, insertCurrentArtwork } from '../repos/artworks.repo.js';
import { applyCaption, findCharacterById, findCharacterBySource, insertCharacter } from '../repos/characters.repo.js';
import { NotFoundError } from '../errors.js';
import type { Channel } from '../repos/channels.repo.js';
import { pathsFor, writeAtomic } from './image-store.js';

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
}

export type IngestStatus = 'created' | 'new_artwork' | 'already_stored' | 'duplicate_image';

export interface IngestOutcome {
  status: IngestStatus;
  characterId: string;
  artworkId: string;
  parsed: ParsedCaption | null;
}

export interface IngestService {
  /** Stores the image; throws ImageRejectedError for bad images (nothing is written then). */
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
  imagesDir: string;
  logger: Logger;
  maxBytes?: number;
  maxPixels?: number;
}

/** Creates the ingest service. */
export function createIngestService(deps: IngestDeps): IngestService {
  const templateOf = channelTemplates((channel, err) =>
    deps.logger.warn({ channel: channel.id, err: err.message }, 'ignoring an invalid caption template'),
  );

  function parse(caption: string, channel?: Channel | null, entities?: IngestInput['entities']): ParsedCaption {
    return parseCaption(caption, entities ?? null, { template: templateOf(channel), rarityEmojis: channel?.rarityEmojis ?? null });
  }

  async function ingestImage(input: IngestInput): Promise<IngestOutcome> {
    const channelId = input.channel?.id ?? null;
    if (channelId && input.messageId != null) {
      const seen = await findArtworkByMessage(deps.db, channelId, input.messageId);
      if (seen) return { status: 'already_stored', characterId: seen.characterId, artworkId: seen.id, parsed: null };
    }
    // Known bytes are answered from the hash alone, so re-imports skip decoding.
    const dup = await findArtworkBySha(deps.db, sha256Hex(input.bytes));
    if (dup) return { status: 'duplicate_image', characterId: dup.characterId, artworkId: dup.id, parsed: null };
    const image = await analyzeImage(input.bytes, { maxBytes: deps.maxBytes, maxPixels: deps.maxPixels });

    const parsed = parse(input.caption, input.channel, input.entities);
    const paths = pathsFor(image.sha256, image.ext);
    await writeAtomic(deps.imagesDir, paths.filePath, input.bytes);
    await writeAtomic(deps.imagesDir, paths.thumbPath, image.thumbnail);

    // A concurrent ingest may create the same character id or bytes first (unique violation 23505):
    // the second attempt then finds that row and adds to it.
    return retryOnUniqueViolation(() => deps.db.transaction(async (tx) => {
      const again = await findArtworkBySha(tx, image.sha256); // a concurrent ingest of the same bytes
      if (again) return { status: 'duplicate_image' as const, characterId: again.characterId, artworkId: again.id, parsed };
      let characterId: string | null = null;
      let status: IngestStatus = 'created';
      if (parsed.sourceId) {
        const existing = await findCharacterBySource(tx, channelId, parsed.sourceId);
        if (existing) {
          characterId = existing.id;
          status = 'new_artwork';
          await applyCaption(tx, existing.id, captionUpdate(input.caption, parsed), normalizeForSearch);
        }
      }
      characterId ??= await insertCharacter(tx, {
        ...captionUpdate(input.caption, parsed),
        channelId,
        nameSearch: normalizeForSearch(parsed.name ?? ''),
        animeSearch: normalizeForSearch(parsed.anime ?? ''),
        createdAt: input.postedAt ?? null,
      });
      const artworkId = await insertArtworkRow(tx, characterId, image, paths, input);
      return { status, characterId, artworkId, parsed };
    }));
  }

  async function replaceArtwork(characterId: string, bytes: Buffer): Promise<IngestOutcome> {
    const image = await analyzeImage(bytes, { maxBytes: deps.maxBytes, maxPixels: deps.maxPixels });
    const dup = await findArtworkBySha(deps.db, image.sha256);
    if (dup) return { status: 'duplicate_image', characterId: dup.characterId, artworkId: dup.id, parsed: null };
    const paths = pathsFor(image.sha256, image.ext);
    await writeAtomic(deps.imagesDir, paths.filePath, bytes);
    await writeAtomic(deps.imagesDir, paths.thumbPath, image.thumbnail);
    return deps.db.transaction(async (tx) => {
      if (!(await findCharacterById(tx, characterId))) throw new NotFoundError(`character ${characterId} not found`);
      const artworkId = await insertArtworkRow(tx, characterId, image, paths, { bytes, caption: '' });
      return { status: 'new_artwork' as const, characterId, artworkId, parsed: null };
    });
  }

  return { ingestImage, replaceArtwork, parse };
}

async function insertArtworkRow(
  tx: Queryable,
  characterId: string,
  image: AnalyzedImage,
  paths: { filePath: string; thumbPath: string },
  input: IngestInput,
): Promise<string> {
  const artworkId = await insertCurrentArtwork(tx, {
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

async function retryOnUniqueViolation<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
    return fn();
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
