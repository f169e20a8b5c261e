/** Admin curation: merge and split characters, single artworks, and the data-quality queue. */
import { z } from 'zod';
import { captionFields, idSchema, pagedList, pageQuery, text, timestamp } from './common.js';
import { adminCharacterDetail } from './admin-characters.js';

export const mergeResult = z
  .object({
    character: adminCharacterDetail,
    change_id: idSchema.meta({ description: 'The recorded merge: POST /api/v1/admin/merges/{id}/undo undoes it.' }),
    moved_artwork_ids: z.array(idSchema),
  })
  .meta({ id: 'MergeResult' });
export type MergeResult = z.infer<typeof mergeResult>;

export const mergeUndone = z
  .object({ character: adminCharacterDetail, restored: adminCharacterDetail })
  .meta({ id: 'MergeUndone', description: 'The character merged into, and the one brought back.' });
export type MergeUndone = z.infer<typeof mergeUndone>;

export const artworkPatchBody = z.object({ hidden: z.boolean() }).strict().meta({ id: 'ArtworkPatch' });

export const characterReparsed = z
  .object({ scanned: z.number().int(), changed: z.number().int(), character: adminCharacterDetail })
  .meta({ id: 'CharacterReparsed' });

export const qualityKind = z
  .enum(['review', 'card_conflict', 'near_duplicate', 'missing_file', 'sync_gap', 'skipped_post'])
  .meta({
    id: 'QualityKind',
    description:
      'review: caption flagged by the parser; card_conflict: one card id of a channel under different names; near_duplicate: ' +
      'the same picture under two characters; missing_file: an original or thumbnail missing or of the wrong size on disk; ' +
      'sync_gap: a message the sync skipped, with its reason; skipped_post: a post the sync read but left out of the gallery ' +
      'as not a character (a bot event message or a notice), with its caption.',
  });
export type QualityKindDto = z.infer<typeof qualityKind>;

export const qualityCounts = z
  .object({
    review: z.number().int(),
    card_conflict: z.number().int(),
    near_duplicate: z.number().int(),
    missing_file: z.number().int(),
    sync_gap: z.number().int(),
    skipped_post: z.number().int(),
  })
  .meta({ id: 'QualityCounts' });
export type QualityCounts = z.infer<typeof qualityCounts>;

export const qualityListQuery = pageQuery.extend({ kind: qualityKind.default('review') });

export const qualityPost = z
  .object({
    artwork_id: idSchema,
    thumb_url: z.string(),
    url: z.string(),
    is_current: z.boolean(),
    hidden: z.boolean(),
    character: z.object({
      id: idSchema,
      name: z.string().nullable(),
      anime: z.string().nullable(),
      hidden: z.boolean(),
      artwork_count: z.number().int(),
    }),
    raw_caption: z.string(),
    parsed: z.object({
      ...captionFields,
      caption_family: z.string().nullable(),
      parse_confidence: z.number().nullable(),
      needs_review: z.boolean(),
    }),
    channel_id: idSchema.nullable(),
    channel_title: z.string().nullable(),
    message_id: z.string().nullable(),
    posted_at: timestamp,
  })
  .meta({
    id: 'QualityPost',
    description: 'A post as the queue shows it: the raw caption beside what was parsed from it.',
  });

export const qualityEntry = z
  .object({
    kind: qualityKind,
    key: z.string().meta({ description: 'Stable id of the entry, for dismiss and retry.' }),
    posts: z.array(qualityPost),
    distance: z.number().int().optional().meta({ description: 'near_duplicate: differing pHash bits (0–64).' }),
    problem: z.enum(['missing', 'size_mismatch', 'thumb_missing']).optional(),
    gap: z
      .object({
        channel_id: idSchema,
        channel_title: z.string().nullable(),
        message_id: z.number().int(),
        post_url: z.string().nullable(),
        reason: z.string(),
        attempts: z.number().int(),
        last_error: z.string().nullable(),
        first_seen_at: timestamp,
        next_attempt_at: timestamp,
      })
      .optional(),
    skipped: z
      .object({
        channel_id: idSchema,
        channel_title: z.string().nullable(),
        message_id: z.number().int(),
        post_url: z.string().nullable().meta({ description: 'The post on t.me when the channel has a username.' }),
        reason: z.enum(['bot_event', 'not_character']).meta({
          description:
            'bot_event: a spawn, despawn or claim message of a catcher bot; not_character: a rarity legend, announcement or other notice.',
        }),
        caption: z.string(),
        skipped_at: timestamp,
      })
      .optional()
      .meta({ description: 'skipped_post: the post the sync left out of the gallery.' }),
  })
  .meta({ id: 'QualityEntry' });
export type QualityEntry = z.infer<typeof qualityEntry>;

export const qualityList = pagedList(qualityEntry, { kind: qualityKind, counts: qualityCounts }).meta({
  id: 'QualityList',
});
export type QualityList = z.infer<typeof qualityList>;

export const qualityEntryBody = z
  .object({ kind: qualityKind, key: text(200).min(1) })
  .strict()
  .meta({ id: 'QualityEntryRef' });
