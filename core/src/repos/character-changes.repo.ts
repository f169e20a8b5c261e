/** SQL for the change log of characters (caption edits, reposts, deletions seen in a channel). */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type CharacterChangeKind =
  'caption_edit' | 'repost' | 'deleted' | 'restored' | 'merge' | 'merge_undone' | 'split';

export interface CharacterChange {
  id: string;
  characterId: string;
  kind: CharacterChangeKind;
  channelId: string | null;
  messageId: number | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  createdAt: string;
}

function toChange(r: any): CharacterChange {
  return {
    id: r.id,
    characterId: r.character_id,
    kind: r.kind,
    channelId: r.channel_id,
    messageId: r.message_id === null ? null : Number(r.message_id),
    changes: r.changes ?? {},
    createdAt: isoOrNull(r.created_at)!,
  };
}

export async function recordCharacterChange(
  q: Queryable,
  c: {
    characterId: string;
    kind: CharacterChangeKind;
    channelId: string | null;
    messageId: number | null;
    changes: CharacterChange['changes'];
  },
): Promise<string> {
  const r = await q.query<{ id: string }>(
    'INSERT INTO character_changes (character_id, kind, channel_id, message_id, changes) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [c.characterId, c.kind, c.channelId, c.messageId, JSON.stringify(c.changes)],
  );
  return r.rows[0]!.id;
}

/** One change, or null. */
export async function findCharacterChange(q: Queryable, id: string): Promise<CharacterChange | null> {
  const r = await q.query('SELECT * FROM character_changes WHERE id = $1', [id]);
  return r.rows[0] ? toChange(r.rows[0]) : null;
}

/** Replaces the recorded changes of an entry (marks a merge as undone). */
export async function setChangeDetails(q: Queryable, id: string, changes: CharacterChange['changes']): Promise<void> {
  await q.query('UPDATE character_changes SET changes = $2 WHERE id = $1', [id, JSON.stringify(changes)]);
}

/** Moves change entries of one character to another; returns their ids. */
export async function moveCharacterChanges(q: Queryable, fromId: string, toId: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    'UPDATE character_changes SET character_id = $2 WHERE character_id = $1 RETURNING id::text AS id',
    [fromId, toId],
  );
  return r.rows.map((x) => x.id);
}

/** Moves change entries by id to a character. */
export async function reassignCharacterChanges(q: Queryable, ids: string[], toId: string): Promise<void> {
  if (ids.length)
    await q.query('UPDATE character_changes SET character_id = $2 WHERE id = ANY($1::bigint[])', [ids, toId]);
}

/** A character's changes, newest first. */
export async function listCharacterChanges(q: Queryable, characterId: string, limit = 100): Promise<CharacterChange[]> {
  const r = await q.query(
    'SELECT * FROM character_changes WHERE character_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
    [characterId, limit],
  );
  return r.rows.map(toChange);
}

/** The kind of a character's latest change, or null. */
export async function latestChangeKind(q: Queryable, characterId: string): Promise<CharacterChangeKind | null> {
  const r = await q.query<{ kind: CharacterChangeKind }>(
    'SELECT kind FROM character_changes WHERE character_id = $1 ORDER BY id DESC LIMIT 1',
    [characterId],
  );
  return r.rows[0]?.kind ?? null;
}
