/** SQL for the chats the Telegram bot talks in (private chats and groups) and each group's auto-answer setting. */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

/** A chat as the bot knows it. */
export interface BotChat {
  chatId: string;
  kind: 'private' | 'group' | 'supergroup' | 'channel';
  title: string;
  /** Lower-case username (no @) of the catcher bot whose pictures get automatic answers, or null. */
  autoCatcher: string | null;
  /** False once the bot was removed from the group or blocked by the user. */
  member: boolean;
  createdAt: string | null;
}

function toChat(r: any): BotChat {
  return {
    chatId: r.chat_id,
    kind: r.kind,
    title: r.title,
    autoCatcher: r.auto_catcher,
    member: r.member,
    createdAt: isoOrNull(r.created_at),
  };
}

/** Records a chat (insert or refresh its title and membership). */
export async function upsertBotChat(
  q: Queryable,
  c: { chatId: string | number; kind: BotChat['kind']; title: string; member?: boolean },
): Promise<void> {
  await q.query(
    `INSERT INTO bot_chats (chat_id, kind, title, member) VALUES ($1, $2, $3, $4)
     ON CONFLICT (chat_id) DO UPDATE SET kind = EXCLUDED.kind, title = EXCLUDED.title, member = EXCLUDED.member, updated_at = now()
     WHERE (bot_chats.kind, bot_chats.title, bot_chats.member) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.title, EXCLUDED.member)`,
    [String(c.chatId), c.kind, c.title, c.member ?? true],
  );
}

/** The chat or null. */
export async function findBotChat(q: Queryable, chatId: string | number): Promise<BotChat | null> {
  const r = await q.query('SELECT * FROM bot_chats WHERE chat_id = $1', [String(chatId)]);
  return r.rows[0] ? toChat(r.rows[0]) : null;
}

/** Sets (or clears with null) the catcher bot a group auto-answers. */
export async function updateBotChatAutoCatcher(
  q: Queryable,
  chatId: string | number,
  catcher: string | null,
): Promise<void> {
  await q.query('UPDATE bot_chats SET auto_catcher = $2, updated_at = now() WHERE chat_id = $1', [
    String(chatId),
    catcher,
  ]);
}

/** Marks a chat as left (bot removed, or blocked by the user). */
export async function updateBotChatMember(q: Queryable, chatId: string | number, member: boolean): Promise<void> {
  await q.query('UPDATE bot_chats SET member = $2, updated_at = now() WHERE chat_id = $1', [String(chatId), member]);
}

/** Groups the bot is in, newest first (admin status page). */
export async function listBotGroups(q: Queryable, limit = 200): Promise<BotChat[]> {
  const r = await q.query(
    `SELECT * FROM bot_chats WHERE kind IN ('group', 'supergroup') AND member ORDER BY created_at DESC, chat_id LIMIT $1`,
    [limit],
  );
  return r.rows.map(toChat);
}

/** Counts of chats by kind (members only). */
export async function countBotChats(q: Queryable): Promise<{ private: number; groups: number }> {
  const r = await q.query<{ private: number; groups: number }>(
    `SELECT count(*) FILTER (WHERE kind = 'private')::int AS private, count(*) FILTER (WHERE kind IN ('group', 'supergroup'))::int AS groups
       FROM bot_chats WHERE member`,
  );
  return r.rows[0] ?? { private: 0, groups: 0 };
}
