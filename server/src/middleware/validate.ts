/** zod parsing of request parts; failures become 400 with the issues listed. */
import type { z } from 'zod';
import { BadRequestError } from '@waifudex/core/errors';

/** Parses value with schema or throws a 400 naming the fields. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  throw new BadRequestError(
    `invalid ${what}: ${issues.map((i) => `${i.field || what} ${i.message}`).join('; ')}`,
    issues,
    'validation_failed',
  );
}
