/** Admin channels: the sources of the gallery, their caption template and emoji→rarity table. */
import { z } from 'zod';
import { captionFields, idSchema, text, timestamp } from './common.js';

export const channel = z
  .object({
    id: idSchema,
    title: z.string(),
    username: z.string().nullable(),
    ref: z.string().nullable(),
    peer_id: z.string().nullable(),
    enabled: z.boolean(),
    caption_template: z.string().nullable(),
    rarity_emojis: z
      .record(z.string(), z.string())
      .meta({ description: 'emoji → rarity name, used when a caption carries the emoji alone.' }),
    last_message_id: z.number().int(),
    last_synced_at: timestamp.nullable(),
    source: z.enum(['telegram', 'export', 'local']).or(z.string()),
    last_error: z.string().nullable(),
  })
  .meta({ id: 'Channel' });
export type Channel = z.infer<typeof channel>;

export const channelList = z.object({ items: z.array(channel) });
export const channelEnvelope = z.object({ channel });

export const addChannelBody = z.object({ ref: text(300).trim().min(2) });
export const channelPatchBody = z.object({ enabled: z.boolean() });
export const templatePreviewBody = z.object({ template: text(2000).min(1) });
export const parsingBody = z.object({
  caption_template: text(2000).nullable().optional(),
  rarity_emojis: z.record(text(16).min(1), text(64).min(1)).optional(),
  reparse: z.boolean().default(false),
});

export const parsedFields = z
  .object({
    ...captionFields,
    family: z.string(),
    confidence: z.number(),
    needs_review: z.boolean(),
  })
  .meta({ id: 'ParsedFields' });

export const templatePreview = z
  .object({
    total: z.number().int(),
    parsed: z.number().int(),
    failed: z.array(z.object({ caption: z.string(), reason: z.string() })),
    samples: z.array(z.object({ caption: z.string(), result: parsedFields })),
  })
  .meta({
    id: 'TemplatePreview',
    description: 'Dry run of a template over the stored captions (at most 20 failures and 20 samples).',
  });
export type TemplatePreview = z.infer<typeof templatePreview>;

export const reparseResult = z.object({
  scanned: z.number().int(),
  changed: z.number().int(),
  needs_review: z.number().int(),
  hidden_not_character: z
    .number()
    .int()
    .describe('Stored posts whose caption now reads as a bot event or no character: hidden and flagged.'),
  conflicts: z.array(z.object({ character_id: idSchema, error: z.string() })),
});
export const parsingSaved = z.object({ channel, reparsed: reparseResult.nullable() });
export type ParsingSaved = z.infer<typeof parsingSaved>;

export const templateProposals = z
  .object({
    total: z.number().int().meta({ description: 'Stored captions the proposals were measured on.' }),
    order: z
      .enum(['name_first', 'series_first'])
      .nullable()
      .meta({ description: 'Order of free-form "A - B" captions the channel settles (null: not enough evidence).' }),
    order_certainty: z.number(),
    freeform_posts: z.number().int(),
    proposals: z.array(
      z.object({
        template: z.string(),
        fields: z.array(z.enum(['name', 'anime', 'rarity', 'rarity_emoji', 'source_id', 'variant'])),
        parsed: z.number().int(),
        total: z.number().int(),
        coverage: z.number().meta({ description: 'parsed / total, 0..1.' }),
        agreement: z
          .number()
          .meta({ description: 'Of the parsed posts, the share giving the same name as the built-in parser.' }),
        cluster_size: z.number().int(),
        example: z.string(),
      }),
    ),
  })
  .meta({ id: 'TemplateProposals' });
export type TemplateProposals = z.infer<typeof templateProposals>;
