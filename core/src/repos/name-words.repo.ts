/** SQL for the words of character names (the "shortest unique name word" guess form). */
import type { Queryable } from '../db/database.js';

/**
 * The normalised names (name_search) of the visible characters other than `exceptId` that contain any
 * of `words` as a substring; the caller checks word boundaries (PostgreSQL's [:alnum:] depends on the
 * database locale, JavaScript's \p{L} does not).
 */
export async function listOtherNamesContaining(q: Queryable, exceptId: string, words: string[]): Promise<string[]> {
  if (!words.length) return [];
  const patterns = words.map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const r = await q.query<{ name_search: string }>(
    `SELECT name_search FROM characters WHERE id <> $1 AND NOT hidden AND deleted_at IS NULL AND name_search LIKE ANY ($2::text[])`,
    [exceptId, patterns],
  );
  return r.rows.map((row) => row.name_search);
}
