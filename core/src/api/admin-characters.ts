/** Admin character management: list with review state, edit, upload. */
import { z } from 'zod';
import { idSchema, pagedList, pageQuery, text, textQuery, timestamp } from './common.js';
import { artwork, characterDetail, characterListItem } from './characters.js';

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'));

export const adminCharacterListQuery = pageQuery.extend({ q: textQuery, needs_review: flag, hidden: flag });

/** Text field: trimmed; empty means "no value" (null). */
const field = (max: number) =>
  text(max)
    .trim()
    .transform((s) => (s === '' ? null : s))
    .nullable();
export const CHARACTER_FIELDS = {
  name: field(200),
  anime: field(200),
  rarity: field(60),
  rarity_emoji: field(32),
  source_id: field(64),
  variant: field(120),
};

export const characterPatchBody = z
  .object({ ...CHARACTER_FIELDS, hidden: z.boolean() })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change')
  .meta({ id: 'CharacterPatch' });

/** Multipart fields of an upload (besides the `image` file). */
export const characterCreateForm = z
  .object({ ...CHARACTER_FIELDS, caption: text(4096).default('') })
  .partial()
  .strict();

export const adminCharacterListItem = characterListItem
  .extend({
    hidden: z.boolean(),
    raw_caption: z.string(),
    parse_confidence: z.number().nullable(),
    caption_family: z.string().nullable(),
    edited_fields: z.array(z.string()),
    channel_id: idSchema.nullable(),
    channel_title: z.string().nullable(),
    artwork_count: z.number().int(),
    updated_at: timestamp,
  })
  .meta({ id: 'AdminCharacterListItem' });
export type AdminCharacterListItem = z.infer<typeof adminCharacterListItem>;

export const adminCharacterList = pagedList(adminCharacterListItem);
export type AdminCharacterList = z.infer<typeof adminCharacterList>;

export const adminArtwork = artwork
  .extend({
    hidden: z.boolean(),
    sha256: z.string(),
    channel_id: idSchema.nullable(),
    message_id: z.string().nullable(),
    raw_caption: z.string(),
    caption_family: z.string().nullable(),
    parse_confidence: z.number().nullable(),
    needs_review: z.boolean(),
  })
  .meta({ id: 'AdminArtwork' });

export const characterAlias = z
  .object({ id: idSchema, name: z.string(), anime: z.string().nullable() })
  .meta({ id: 'CharacterAlias' });

export const adminCharacterDetail = characterDetail
  .extend({
    channel_id: idSchema.nullable(),
    hidden: z.boolean(),
    needs_review: z.boolean(),
    raw_caption: z.string(),
    parse_confidence: z.number().nullable(),
    caption_family: z.string().nullable(),
    edited_fields: z.array(z.string()),
    split_off: z.boolean().meta({ description: 'Split off by an admin: new posts never join it.' }),
    aliases: z
      .array(characterAlias)
      .meta({ description: 'Names merged into this character; search finds them, new posts with them join it.' }),
    deleted_at: timestamp.nullable().meta({ description: 'Set while the character is in the trash.' }),
    artworks: z.array(adminArtwork),
  })
  .meta({ id: 'AdminCharacterDetail' });
export type AdminCharacterDetail = z.infer<typeof adminCharacterDetail>;

export const characterCreated = z.object({
  status: z.enum(['created', 'new_artwork', 'already_stored', 'duplicate_image']),
  character: adminCharacterDetail,
});

export const mergeBody = z
  .object({
    from: idSchema.meta({
      description: 'The character merged away: its artworks move here, its name becomes an alias.',
    }),
  })
  .strict()
  .meta({ id: 'MergeBody' });
/** Most characters one bulk action (or one restore) may touch; narrow the filter for more. */
export const BULK_MAX = 10_000;

/** The admin list's filter, as a bulk action's target ("all matching"). */
export const adminCharacterFilter = z
  .object({ q: textQuery, needs_review: z.boolean().optional(), hidden: z.boolean().optional() })
  .strict()
  .meta({ id: 'AdminCharacterFilter' });

export const BULK_ACTIONS = ['set', 'hide', 'show', 'delete', 'reparse'] as const;

/**
 * Body of POST /api/v1/admin/characters/bulk: one action on the listed ids, or on every character the
 * filter matches ("select all matching"). `fields` (anime and/or rarity) goes with action "set" only.
 */
export const characterBulkBody = z
  .object({
    action: z.enum(BULK_ACTIONS),
    fields: z.object({ anime: CHARACTER_FIELDS.anime, rarity: CHARACTER_FIELDS.rarity }).partial().strict().optional(),
    ids: z.array(idSchema).min(1).max(BULK_MAX).optional(),
    filter: adminCharacterFilter.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.ids === undefined) === (b.filter === undefined))
      ctx.addIssue({ code: 'custom', message: 'give either ids or filter', path: ['ids'] });
    if (b.action === 'set' && !Object.keys(b.fields ?? {}).length)
      ctx.addIssue({ code: 'custom', message: 'give anime and/or rarity', path: ['fields'] });
    if (b.action !== 'set' && b.fields !== undefined)
      ctx.addIssue({ code: 'custom', message: 'fields go with action "set" only', path: ['fields'] });
  })
  .meta({ id: 'CharacterBulkAction' });
export type CharacterBulkBody = z.infer<typeof characterBulkBody>;

export const characterBulkResult = z
  .object({
    action: z.enum(BULK_ACTIONS),
    matched: z.number().int(),
    changed: z.number().int(),
    ids: z
      .array(idSchema)
      .meta({ description: 'Characters changed (for delete: moved to the trash, what an undo restores).' }),
  })
  .meta({ id: 'CharacterBulkResult' });
export type CharacterBulkResult = z.infer<typeof characterBulkResult>;

export const trashedCharacter = characterListItem
  .extend({ deleted_at: timestamp, purge_at: timestamp, hidden: z.boolean() })
  .meta({ id: 'TrashedCharacter' });
export const trashList = pagedList(trashedCharacter, { retention_days: z.number().int() }).meta({ id: 'TrashList' });
export type TrashList = z.infer<typeof trashList>;

export const trashRestoreBody = z
  .object({ ids: z.array(idSchema).min(1).max(BULK_MAX) })
  .strict()
  .meta({ id: 'TrashRestore' });
export const trashRestored = z.object({ restored: z.array(idSchema) });
export const trashDeleted = z.object({
  id: idSchema,
  name: z.string().nullable(),
  deleted_at: timestamp,
  purge_at: timestamp,
});
