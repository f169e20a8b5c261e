/** SQL for the change log of characters (caption edits, reposts, deletions seen in a channel). */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export type CharacterChangeKind = 'caption_edit' | 'repost' | 'deleted' | 'restored';

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
  c: { characterId: string; kind: CharacterChangeKind; channelId: string | null; messageId: number | null; changes: CharacterChange['changes'] },
): Promise<void> {
  await q.query('INSERT INTO character_changes (character_id, kind, channel_id, message_id, changes) VALUES ($1, $2, $3, $4, $5)', [
    c.characterId,
    c.kind,
    c.channelId,
    c.messageId,
    JSON.stringify(c.changes),
  ]);
}

/** A character's changes, newest first. */
export async function listCharacterChanges(q: Queryable, characterId: string, limit = 100): Promise<CharacterChange[]> {
  const r = await q.query('SELECT * FROM character_changes WHERE character_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2', [
    characterId,
    limit,
  ]);
  return r.rows.map(toChange);
}
