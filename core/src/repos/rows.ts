/** Small helpers shared by the repos for mapping rows. */

/** Converts a nullable timestamp column to an ISO string. */
export function isoOrNull(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}
