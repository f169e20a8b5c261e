/** Visitor accounts (issue 18): sign-up modes, invites, likes, "my collection", comments. */
import { z } from 'zod';
import { idSchema, noNul, text, timestamp } from './common.js';

export const registrationMode = z.enum(['closed', 'invite', 'open']).meta({
  description: 'closed: no new visitor accounts; invite: only with an invite link; open: anyone may sign up.',
});
export type RegistrationMode = z.infer<typeof registrationMode>;

/** Longest comment in characters. */
export const MAX_COMMENT_LENGTH = 1000;

const visitorSettingsShape = {
  registration: registrationMode,
  comments: z.boolean().meta({ description: "Visitors may write comments (each waits for the admin's approval)." }),
};
// No component id: it is both a request and a response, whose JSON Schemas differ (additionalProperties).
export const visitorSettings = z.object(visitorSettingsShape);
export type VisitorSettings = z.infer<typeof visitorSettings>;

export const visitorConfig = z
  .object({ ...visitorSettingsShape, max_comment_length: z.number().int() })
  .meta({ id: 'VisitorConfig' });
export type VisitorConfig = z.infer<typeof visitorConfig>;

const username = text(32)
  .trim()
  .regex(/^[\p{L}\p{N}_.-]{3,32}$/u, 'must be 3–32 letters, digits, _ . or -');
export const signupBody = z
  .object({
    username,
    password: text(200).min(10, 'must have at least 10 characters'),
    invite: z
      .string()
      .regex(/^[a-z2-7]{32}$/, 'is not an invite code')
      .optional(),
  })
  .meta({ id: 'SignupRequest' });
export const visitorLoginBody = z
  .object({ username: text(100).min(1), password: text(200).min(1) })
  .meta({ id: 'VisitorLoginRequest' });

export const visitorSession = z
  .object({
    username: z.string(),
    csrf_token: z.string().meta({ description: 'Send back as X-CSRF-Token on every state-changing visitor request.' }),
    expires_at: timestamp,
  })
  .meta({ id: 'VisitorSession' });
export type VisitorSession = z.infer<typeof visitorSession>;
export const visitorSessionState = z.object({ session: visitorSession.nullable() }).meta({ id: 'VisitorSessionState' });
export type VisitorSessionState = z.infer<typeof visitorSessionState>;

export const invite = z
  .object({
    id: idSchema,
    note: z.string(),
    max_uses: z.number().int(),
    uses: z.number().int(),
    expires_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'Invite' });
export type Invite = z.infer<typeof invite>;
export const createInviteBody = z
  .object({
    note: text(200).trim().default(''),
    max_uses: z.number().int().min(1).max(1000).default(1),
    expires_in_days: z.number().int().min(1).max(365).nullable().default(14),
  })
  .strict();
export const createdInvite = z
  .object({
    code: z.string().meta({ description: 'Shown only now.' }),
    path: z.string().meta({ example: '/account?invite=…' }),
    invite,
  })
  .meta({ id: 'CreatedInvite' });
export type CreatedInvite = z.infer<typeof createdInvite>;

export const visitorListItem = z.object({
  id: idSchema,
  username: z.string(),
  created_at: timestamp,
  caught: z.number().int(),
  likes: z.number().int(),
  comments: z.number().int(),
});
export const visitorsOverview = z
  .object({
    settings: visitorSettings,
    env_registration: registrationMode,
    visitors: z.array(visitorListItem),
    invites: z.array(invite),
  })
  .meta({ id: 'VisitorsOverview' });
export type VisitorsOverview = z.infer<typeof visitorsOverview>;

export const likeState = z.object({ liked: z.boolean(), likes: z.number().int() }).meta({ id: 'LikeState' });
export type LikeState = z.infer<typeof likeState>;
export const caughtState = z.object({ caught: z.boolean() }).meta({ id: 'CaughtState' });
export type CaughtState = z.infer<typeof caughtState>;
export const myMarks = z
  .object({ liked: z.array(idSchema), caught: z.array(idSchema) })
  .meta({ id: 'MyMarks', description: 'Ids of the characters the visitor liked and caught (for marking cards).' });
export type MyMarks = z.infer<typeof myMarks>;

/** Largest harem paste / import in characters. */
export const MAX_PASTE_CHARS = 200_000;
const pasted = z.string().max(MAX_PASTE_CHARS).refine(noNul, 'must not contain NUL bytes');

export const markManyBody = z
  .object({ character_ids: z.array(idSchema).min(1).max(5000), source: z.enum(['manual', 'harem']).default('harem') })
  .strict();
export const markedMany = z.object({ added: z.number().int(), missing: z.array(idSchema) }).meta({ id: 'MarkedMany' });
export type MarkedMany = z.infer<typeof markedMany>;

export const haremPreviewBody = z.object({ text: pasted.min(1) }).strict();
const matchedCharacter = z.object({
  id: idSchema,
  name: z.string().nullable(),
  anime: z.string().nullable(),
  rarity: z.string().nullable(),
  source_id: z.string().nullable(),
});
export const haremPreview = z
  .object({
    family: z.string().meta({ description: 'Which harem layout the text looked like.' }),
    recognised: z.array(
      z.object({ line: z.string(), count: z.number().int(), caught: z.boolean(), character: matchedCharacter }),
    ),
    unrecognised: z.array(
      z.object({ line: z.string(), reason: z.enum(['no_match', 'ambiguous', 'id_name_mismatch']) }),
    ),
  })
  .meta({ id: 'HaremPreview' });
export type HaremPreview = z.infer<typeof haremPreview>;

const completionGroup = z.object({
  value: z.string(),
  label: z.string(),
  caught: z.number().int(),
  total: z.number().int(),
});
export const completion = z
  .object({
    caught: z.number().int(),
    total: z.number().int(),
    anime: z.array(completionGroup),
    rarity: z.array(completionGroup),
  })
  .meta({ id: 'Completion', description: 'Caught of all visible characters, per anime and per rarity.' });
export type Completion = z.infer<typeof completion>;

export const exportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
export const collectionExportItem = z.object({
  character_id: idSchema,
  name: z.string().nullable(),
  anime: z.string().nullable(),
  rarity: z.string().nullable(),
  source_id: z.string().nullable(),
  channel: z.string().nullable(),
  caught_at: timestamp,
});
export const collectionExport = z
  .object({ version: z.literal(1), exported_at: timestamp, items: z.array(collectionExportItem) })
  .meta({ id: 'CollectionExport' });
export type CollectionExport = z.infer<typeof collectionExport>;
export const importBody = z.object({ format: z.enum(['json', 'csv']), data: pasted.min(1) }).strict();
export const importResult = z
  .object({
    added: z.number().int(),
    already: z.number().int(),
    unknown: z.array(z.string()).meta({ description: 'Rows (up to 100) that match no character here.' }),
  })
  .meta({ id: 'ImportResult' });
export type ImportResult = z.infer<typeof importResult>;

export const comment = z
  .object({
    id: idSchema,
    character_id: idSchema,
    character_name: z.string().nullable(),
    username: z.string(),
    body: z.string(),
    status: z.enum(['pending', 'approved']),
    created_at: timestamp,
  })
  .meta({ id: 'Comment', description: 'Plain text; clients must render it as text, never as HTML.' });
export type Comment = z.infer<typeof comment>;
export const commentList = z.object({ enabled: z.boolean(), items: z.array(comment) }).meta({ id: 'CommentList' });
export type CommentList = z.infer<typeof commentList>;
export const commentBody = z
  .object({
    body: text(MAX_COMMENT_LENGTH + 200)
      .trim()
      .min(1)
      .max(MAX_COMMENT_LENGTH, `must have at most ${MAX_COMMENT_LENGTH} characters`),
  })
  .strict();
export const commentQueueQuery = z.object({ status: z.enum(['pending', 'approved']).default('pending') });
