/** SQL for character aliases: names merged into a character, which search matches and new posts join. */
import type { Queryable } from '../db/database.js';

export interface CharacterAlias {
  id: string;
  characterId: string;
  name: string;
  anime: string | null;
}

const toAlias = (r: any): CharacterAlias => ({ id: r.id, characterId: r.character_id, name: r.name, anime: r.anime });

/** A character's aliases, oldest first. */
export async function listAliases(q: Queryable, characterId: string): Promise<CharacterAlias[]> {
  const r = await q.query('SELECT * FROM character_aliases WHERE character_id = $1 ORDER BY id', [characterId]);
  return r.rows.map(toAlias);
}

/**
 * Adds an alias; its group key is kept only while no character or other alias holds it (then new posts
 * with that name keep joining whoever holds it). Returns the alias id.
 */
export async function insertAlias(
  q: Queryable,
  a: {
    characterId: string;
    name: string;
    anime: string | null;
    nameSearch: string;
    animeSearch: string;
    groupKey: string | null;
  },
): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO character_aliases (character_id, name, anime, name_search, anime_search, group_key)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::text IS NULL
       OR EXISTS (SELECT 1 FROM characters o WHERE o.group_key = $6)
       OR EXISTS (SELECT 1 FROM character_aliases o WHERE o.group_key = $6) THEN NULL ELSE $6 END)
     RETURNING id`,
    [a.characterId, a.name, a.anime, a.nameSearch, a.animeSearch, a.groupKey],
  );
  return r.rows[0]!.id;
}

/** Moves every alias of `fromId` to `toId`; returns their ids. */
export async function moveAliases(q: Queryable, fromId: string, toId: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    'UPDATE character_aliases SET character_id = $2 WHERE character_id = $1 RETURNING id::text AS id',
    [fromId, toId],
  );
  return r.rows.map((x) => x.id);
}

/** Deletes aliases by id. */
export async function deleteAliases(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await q.query('DELETE FROM character_aliases WHERE id = ANY($1::bigint[])', [ids]);
}

/** Moves aliases by id to a character. */
export async function reassignAliases(q: Queryable, ids: string[], toId: string): Promise<void> {
  if (ids.length)
    await q.query('UPDATE character_aliases SET character_id = $2 WHERE id = ANY($1::bigint[])', [ids, toId]);
}
