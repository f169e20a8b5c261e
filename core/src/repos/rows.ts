/** Small helpers shared by the repos for mapping rows. */

/** Converts a nullable timestamp column to an ISO string. */
export function isoOrNull(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}

/** Splits ids into slices so that one statement over thousands of rows stays well within the server's statement timeout. */
export function inSlices<T>(ids: T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/** A character as search answers name it (the API's field names). */
export interface CharacterBrief {
  id: string;
  name: string | null;
  anime: string | null;
  rarity: string | null;
  rarity_emoji: string | null;
}

/** Reads a row's `character_id, name, anime, rarity, rarity_emoji` columns. */
export function toCharacterBrief(row: Record<string, any>): CharacterBrief {
  return {
    id: row.character_id,
    name: row.name,
    anime: row.anime,
    rarity: row.rarity,
    rarity_emoji: row.rarity_emoji,
  };
}
