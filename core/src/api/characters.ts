/** Public gallery: character list, detail and artwork files. */
import { z } from 'zod';
import { captionFields, idSchema, pagedList, pageQuery, text, textQuery, timestamp } from './common.js';

export const artworkFile = z
  .object({
    id: idSchema,
    url: z.string().meta({ description: 'Percent-encoded path of the original image.' }),
    thumb_url: z.string().meta({
      description: 'One thumbnail (about 480 px wide; 320 px long side for artworks stored before srcset thumbnails).',
    }),
    thumbs: z.array(z.object({ url: z.string(), width: z.number().int() })).meta({
      description:
        'WebP thumbnails at 240/480/720 px wide (never wider than the original), smallest first, for srcset; empty until `npm run reindex` backfills an older artwork.',
    }),
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
    mime: z.string(),
  })
  .meta({ id: 'ArtworkFile' });
export type ArtworkFile = z.infer<typeof artworkFile>;

const characterFields = { id: idSchema, ...captionFields };

export const characterListItem = z
  .object({
    ...characterFields,
    needs_review: z.boolean(),
    created_at: timestamp,
    artwork: artworkFile.nullable(),
    artwork_count: z
      .number()
      .int()
      .meta({ description: 'Visible artworks of the character (one per post, across channels).' }),
  })
  .meta({ id: 'CharacterListItem' });
export type CharacterListItem = z.infer<typeof characterListItem>;

export const galleryItem = characterListItem
  .extend({ likes: z.number().int().meta({ description: "Visitors' likes." }) })
  .meta({ id: 'GalleryItem' });

/** Filters shared by the list, its facets and its suggestions. */
export const characterFilterQuery = z.object({
  q: textQuery.meta({
    description: 'Name, anime, rarity or card id (substring and fuzzy; every word must match), and/or rarity emoji.',
  }),
  anime: text(300).min(1).optional(),
  rarity: text(100).min(1).optional(),
  channel: idSchema.optional(),
  mine: z
    .enum(['caught', 'missing'])
    .optional()
    .meta({ description: 'Only what the signed-in visitor caught, or only what is missing from their collection.' }),
});
/** Keyset position in the newest-first order: `<created_at in µs since 1970>_<id>` (from next_cursor). */
export const galleryCursor = z
  .string()
  .regex(/^\d{1,20}_\d{1,20}$/, 'a cursor from next_cursor')
  .meta({
    description:
      'The next_cursor of the previous page (newest-first order): the page starts after it, as fast at page 10,000 as at page 1. `page` then only numbers the page.',
  });
export const characterListQuery = characterFilterQuery.extend({
  ...pageQuery.shape,
  sort: z
    .enum(['relevance', 'newest', 'name', 'anime', 'liked'])
    .optional()
    .meta({ description: 'Default: relevance with a query, newest without. liked: most liked first.' }),
  cursor: galleryCursor.optional(),
});
export const characterSuggestQuery = z.object({ q: text(100).default('') });

export const characterList = pagedList(galleryItem, {
  sort: z.enum(['relevance', 'newest', 'name', 'anime', 'liked']),
  suggestion: z.string().nullable().meta({ description: '"Did you mean …" when nothing matched what was typed.' }),
  total_is_estimate: z.boolean().meta({
    description:
      'true: `total` is an estimate ("about N"): browsing counts up to 10,000, a text search ranks up to 1,000 matches (its pages stop there).',
  }),
  next_cursor: z.string().nullable().meta({
    description: 'Pass as `cursor` for the next page (newest-first order); null on the last page and for other sorts.',
  }),
}).meta({ id: 'CharacterList' });
export type CharacterList = z.infer<typeof characterList>;

/** What is specific to the post an artwork came from. */
export const artworkPostFields = {
  name: z.string().nullable(),
  anime: z.string().nullable(),
  rarity: z.string().nullable(),
  rarity_emoji: z.string().nullable(),
  source_id: z.string().nullable().meta({ description: "The catcher bot's card id in that post." }),
  variant: z.string().nullable(),
  channel_title: z.string().nullable(),
};

export const artwork = artworkFile
  .extend({
    is_current: z.boolean(),
    created_at: timestamp.meta({ description: 'When it was posted.' }),
    ...artworkPostFields,
  })
  .meta({ id: 'Artwork' });

export const characterDetail = z
  .object({
    ...characterFields,
    channel_title: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    artworks: z.array(artwork),
    likes: z.number().int().optional().meta({ description: "Visitors' likes (on the public detail)." }),
  })
  .meta({ id: 'CharacterDetail' });
export type CharacterDetail = z.infer<typeof characterDetail>;

const facetValue = z.object({ value: z.string(), label: z.string(), count: z.number().int() });
export const characterFacets = z
  .object({ anime: z.array(facetValue), rarity: z.array(facetValue), channel: z.array(facetValue) })
  .meta({
    id: 'CharacterFacets',
    description: 'Counts of each filter value among the characters the other filters leave.',
  });
export type CharacterFacets = z.infer<typeof characterFacets>;

const suggestion = z.object({ value: z.string(), count: z.number().int() });
export const characterSuggestions = z
  .object({ names: z.array(suggestion), anime: z.array(suggestion) })
  .meta({ id: 'CharacterSuggestions' });
export type CharacterSuggestions = z.infer<typeof characterSuggestions>;

export const characterPostLinks = z
  .object({ items: z.array(z.object({ artwork_id: idSchema, url: z.string(), channel: z.string() })) })
  .meta({ id: 'CharacterPostLinks', description: 'Source posts of the artworks in public channels.' });
export type CharacterPostLinks = z.infer<typeof characterPostLinks>;
