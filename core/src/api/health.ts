/** Health check: ok/not ok for everyone, details for the admin. */
import { z } from 'zod';

export const health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    version: z.string().optional(),
    database: z.string().optional(),
    characters: z.number().int().optional(),
    db_ms: z.number().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'Health', description: 'The public sees `status` only; a logged-in admin also gets the details.' });
export type Health = z.infer<typeof health>;
