/** Public gallery: character list, detail and artwork files. */
import { z } from 'zod';
import { idSchema, pageInfo, pageQuery, text, textQuery, timestamp } from './common.js';

export const artworkFile = z
  .object({
    id: idSchema,
    url: z.string().meta({ description: 'Percent-encoded path of the original image.' }),
    thumb_url: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
    mime: z.string(),
  })
  .meta({ id: 'ArtworkFile' });
export type ArtworkFile = z.infer<typeof artworkFile>;

const characterFields = {
  id: idSchema,
  name: z.string().nullable(),
  anime: z.string().nullable(),
  rarity: z.string().nullable(),
  rarity_emoji: z.string().nullable(),
  source_id: z.string().nullable(),
  variant: z.string().nullable(),
};

export const characterListItem = z
  .object({ ...characterFields, needs_review: z.boolean(), created_at: timestamp, artwork: artworkFile.nullable() })
  .meta({ id: 'CharacterListItem' });
export type CharacterListItem = z.infer<typeof characterListItem>;

/** Filters shared by the list, its facets and its suggestions. */
export const characterFilterQuery = z.object({
  q: textQuery.meta({ description: 'Name, anime, rarity or card id (substring and fuzzy; every word must match), and/or rarity emoji.' }),
  anime: text(300).min(1).optional(),
  rarity: text(100).min(1).optional(),
  channel: idSchema.optional(),
});
export const characterListQuery = characterFilterQuery.extend({
  ...pageQuery.shape,
  sort: z.enum(['relevance', 'newest', 'name', 'anime']).optional().meta({ description: 'Default: relevance with a query, newest without.' }),
});
export const characterSuggestQuery = z.object({ q: text(100).default('') });

export const characterList = z
  .object({
    ...pageInfo,
    sort: z.enum(['relevance', 'newest', 'name', 'anime']),
    suggestion: z.string().nullable().meta({ description: '"Did you mean …" when nothing matched what was typed.' }),
    items: z.array(characterListItem),
  })
  .meta({ id: 'CharacterList' });
export type CharacterList = z.infer<typeof characterList>;

export const artwork = artworkFile.extend({ is_current: z.boolean(), created_at: timestamp }).meta({ id: 'Artwork' });

export const characterDetail = z
  .object({
    ...characterFields,
    channel_title: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    artworks: z.array(artwork),
  })
  .meta({ id: 'CharacterDetail' });
export type CharacterDetail = z.infer<typeof characterDetail>;
