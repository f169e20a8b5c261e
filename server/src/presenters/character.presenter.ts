/** API shapes of characters; rows never leave the server as they are. */
import type { CharacterListItem } from '@waifudex/core/repos/characters.repo';
import type { ArtworkFileRow } from '@waifudex/core/repos/characters.repo';
import type { CaptionFields } from '@waifudex/core/captions/types';
import {
  imageUrl,
  thumbnailUrls,
  type ArtworkFile,
  type CharacterListItem as CharacterListItemDto,
} from '@waifudex/core/api/index';

/** The parsed caption's fields, as the API names them (a character's and each of its posts'). */
export function presentCaptionFields(c: CaptionFields) {
  return {
    name: c.name,
    anime: c.anime,
    rarity: c.rarity,
    rarity_emoji: c.rarityEmoji,
    source_id: c.sourceId,
    variant: c.variant,
  };
}

export function presentCharacterListItem(c: CharacterListItem): CharacterListItemDto {
  return {
    id: c.id,
    ...presentCaptionFields(c),
    needs_review: c.needsReview,
    created_at: c.createdAt,
    artwork: c.artwork ? presentArtworkFile(c.artwork) : null,
    artwork_count: c.artworkCount,
  };
}

/** The file part of an artwork: its URLs, size and type. */
export function presentArtworkFile(a: ArtworkFileRow): ArtworkFile {
  return {
    id: a.id,
    url: imageUrl(a.filePath),
    thumb_url: imageUrl(a.thumbPath),
    thumbs: thumbnailUrls(a.sha256, a.thumbWidths),
    width: a.width,
    height: a.height,
    bytes: a.bytes,
    mime: a.mime,
  };
}
