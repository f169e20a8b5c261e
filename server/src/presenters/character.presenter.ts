/** API shapes of characters; rows never leave the server as they are. */
import type { CharacterListItem } from '@waifudex/core/repos/characters.repo';

/** URL of a stored image file. */
export const imageUrl = (rel: string) => `/images/${rel}`;

export function presentCharacterListItem(c: CharacterListItem) {
  return {
    id: c.id,
    name: c.name,
    anime: c.anime,
    rarity: c.rarity,
    rarity_emoji: c.rarityEmoji,
    source_id: c.sourceId,
    variant: c.variant,
    needs_review: c.needsReview,
    created_at: c.createdAt,
    artwork: c.artwork
      ? {
          id: c.artwork.id,
          url: imageUrl(c.artwork.filePath),
          thumb_url: imageUrl(c.artwork.thumbPath),
          width: c.artwork.width,
          height: c.artwork.height,
          bytes: c.artwork.bytes,
          mime: c.artwork.mime,
        }
      : null,
  };
}
