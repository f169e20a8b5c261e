/** Admin character management: list with review state, edit, upload. */
import { z } from 'zod';
import { idSchema, pageInfo, pageQuery, text, textQuery, timestamp } from './common.js';
import { artwork, characterDetail, characterListItem } from './characters.js';

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'));

export const adminCharacterListQuery = pageQuery.extend({ q: textQuery, needs_review: flag, hidden: flag });

/** Text field: trimmed; empty means "no value" (null). */
const field = (max: number) => text(max).trim().transform((s) => (s === '' ? null : s)).nullable();
export const CHARACTER_FIELDS = { name: field(200), anime: field(200), rarity: field(60), rarity_emoji: field(32), source_id: field(64), variant: field(120) };

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

export const adminCharacterList = z.object({ ...pageInfo, items: z.array(adminCharacterListItem) });
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

export const characterAlias = z.object({ id: idSchema, name: z.string(), anime: z.string().nullable() }).meta({ id: 'CharacterAlias' });

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
    aliases: z.array(characterAlias).meta({ description: 'Names merged into this character; search finds them, new posts with them join it.' }),
    artworks: z.array(adminArtwork),
  })
  .meta({ id: 'AdminCharacterDetail' });
export type AdminCharacterDetail = z.infer<typeof adminCharacterDetail>;

export const characterCreated = z.object({ status: z.enum(['created', 'new_artwork', 'already_stored', 'duplicate_image']), character: adminCharacterDetail });

export const mergeBody = z
  .object({ from: idSchema.meta({ description: 'The character merged away: its artworks move here, its name becomes an alias.' }) })
  .strict()
  .meta({ id: 'MergeBody' });
