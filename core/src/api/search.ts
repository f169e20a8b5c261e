/** Reverse image search ("who is this?") and CLIP look-alikes. */
import { z } from 'zod';
import { idSchema, timestamp } from './common.js';

export const verdict = z.enum(['exact', 'match', 'probable', 'none']).meta({ id: 'Verdict' });
export const matchStage = z.enum(['exact', 'hash', 'wavelet', 'verified']);

const matchCharacter = z.object({
  id: idSchema,
  name: z.string().nullable(),
  anime: z.string().nullable(),
  rarity: z.string().nullable(),
  rarity_emoji: z.string().nullable(),
});
const matchArtwork = z.object({ id: idSchema, url: z.string(), thumb_url: z.string() });

/** The matched artwork with its own post: which of the character's artworks it is. */
const matchedArtwork = matchArtwork.extend({
  is_current: z.boolean().meta({ description: "Whether it is the character's current artwork." }),
  source_id: z.string().nullable().meta({ description: "The card id in that artwork's post." }),
  rarity: z.string().nullable(),
  rarity_emoji: z.string().nullable(),
  channel_title: z.string().nullable(),
  posted_at: timestamp,
});

export const searchMatch = z
  .object({
    character: matchCharacter.extend({
      artwork_count: z.number().int().meta({ description: 'Visible artworks of the character.' }),
    }),
    artwork: matchedArtwork.meta({
      description: 'The artwork that matched (matches are one per character, its best artwork).',
    }),
    distance: z.number().meta({ description: 'Smallest pHash Hamming distance (0–64); 0 for exact bytes.' }),
    score: z.number().meta({ description: '0–100 confidence.' }),
    stage: matchStage,
    verdict,
    evidence: z
      .object({
        aligned: z.number().meta({ description: 'Alignment agreement 0..1 outside caption rows.' }),
        colour: z
          .number()
          .nullable()
          .meta({ description: 'Colour agreement of the worst grid cell 0..1; null for grey pictures.' }),
        hue_shift: z
          .number()
          .nullable()
          .meta({ description: "Degrees the query's colours are turned; null for grey pictures." }),
        cell_turn: z.number().nullable().meta({
          description:
            "Largest turn of one region's colours against the picture-wide turn, degrees (a recolour reads ≥ 20); null for grey pictures.",
        }),
        tone_misfit: z
          .number()
          .meta({ description: 'Tone misfit of the worst grid cell (a changed face reads ≥ 0.5).' }),
        structure_misfit: z.number().nullable().meta({
          description:
            'Structure misfit of the worst compact block of cells in excess of the typical cell (another face drawn on the same template reads ≥ 0.5, a re-post ≤ 0.2); null with too little detail.',
        }),
        unturned: z.number().meta({
          description:
            'Share of the colour that kept its hue while the picture as a whole turned (a hue filter turns every colour; a recolour leaves the rest as it was), 0..1.',
        }),
        occluded: z.number().meta({
          description: 'Share of the aligned picture hidden by caption lines or a flat cover (a sticker), 0..1.',
        }),
        covered: z.number().meta({
          description:
            'The part of `occluded` under a flat cover (a sticker); a match has none, with one the verdict is at most probable.',
        }),
      })
      .optional()
      .meta({ description: 'What the verdict rests on; absent for exact bytes.' }),
  })
  .meta({ id: 'SearchMatch' });

export const searchResult = z
  .object({
    verdict,
    query: z.object({ width: z.number().int(), height: z.number().int(), sha256: z.string() }),
    matches: z.array(searchMatch),
    took_ms: z.number(),
  })
  .meta({ id: 'SearchResult' });
export type SearchResult = z.infer<typeof searchResult>;

/** JSON body of POST /api/v1/search/image (the alternative to a multipart `image`). */
export const searchByUrlBody = z.object({
  url: z.string().max(4096).meta({ description: 'http(s) URL of a public image.' }),
});

/** Multipart body of the image uploads. */
export const imageUpload = z.object({
  image: z.string().meta({ format: 'binary', description: 'The picture (JPEG, PNG, WebP, GIF, AVIF).' }),
});

export const similarQuery = z.object({ k: z.coerce.number().int().min(1).max(50).default(8) });

export const similarItem = z
  .object({ character: matchCharacter, artwork: matchArtwork, similarity: z.number(), label: z.literal('similar') })
  .meta({ id: 'SimilarItem' });
export const similarList = z.object({ enabled: z.boolean(), items: z.array(similarItem) }).meta({ id: 'SimilarList' });
export type SimilarList = z.infer<typeof similarList>;
