/**
 * Building blocks of the API contract (browser-safe: zod only, no Node APIs).
 * The web app and external clients import these types; the server validates with the same schemas.
 */
import { z } from 'zod';

const INT8_MAX = 9223372036854775807n;

/** A database id (PostgreSQL bigint) as a decimal string: 1 … 2^63-1, so a too-long id is a 400, never a database error. */
export const idSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, 'must be a positive integer id')
  // zod runs every check, so this one must not throw on what the regex already refused
  .refine((s) => !/^[0-9]{1,19}$/.test(s) || BigInt(s) <= INT8_MAX, 'is too large for an id')
  .meta({ id: 'Id', description: 'Decimal id, 1 … 9223372036854775807.', example: '42' });

/** Path parameters of routes addressed by id. */
export const idParams = z.object({ id: idSchema });

/** PostgreSQL text cannot hold NUL; refusing it here turns a would-be 500 into a 400. */
export const noNul = (s: string) => !s.includes('\u0000');

/** A string of at most `max` characters without NUL bytes. */
export const text = (max: number) => z.string().max(max).refine(noNul, 'must not contain NUL bytes');

/** Paging of list endpoints. */
export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(24),
});

/** Longest text search: longer queries cost seconds of trigram matching and never help finding a name. */
export const MAX_TEXT_QUERY = 64;

/** Free-text search of the gallery. */
export const textQuery = text(MAX_TEXT_QUERY).default('');

/** Fields shared by every paged list answer. */
const pageInfo = {
  page: z.number().int(),
  per_page: z.number().int(),
  total: z.number().int(),
  total_pages: z.number().int(),
};

/**
 * A paged list answer: the page fields, then what this list adds (its filter, counts…), then `items`.
 * The one way to declare one, so that every list pages alike.
 */
export function pagedList<Item extends z.ZodType, Extra extends z.ZodRawShape = Record<never, never>>(
  item: Item,
  extra?: Extra,
) {
  return z.object({ ...pageInfo, ...(extra ?? ({} as Extra)), items: z.array(item) });
}

/** The fields a caption gives a character, as every answer that shows them names them. */
export const captionFields = {
  name: z.string().nullable(),
  anime: z.string().nullable(),
  rarity: z.string().nullable(),
  rarity_emoji: z.string().nullable(),
  source_id: z.string().nullable(),
  variant: z.string().nullable(),
};

/** ISO 8601 timestamp. */
export const timestamp = z.string().meta({ format: 'date-time' });

/** The one error shape of the API: a stable `code` for programs and a `message` for people. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every 4xx/5xx answer has this body. 429 and 503 also send Retry-After (seconds).',
  });
