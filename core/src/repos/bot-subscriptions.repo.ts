/** SQL for the bot's notification subscriptions and the new characters a digest reports. */
import type { Queryable } from '../db/database.js';

/** What a subscription matches: every new character, or those of one anime or rarity. */
export type SubscriptionKind = 'all' | 'anime' | 'rarity';

/** One subscription of one chat. */
export interface BotSubscription {
  id: string;
  chatId: string;
  kind: SubscriptionKind;
  value: string;
}

/** Lower-cased, trimmed, inner spaces collapsed: "Genshin  impact" and "genshin impact" are one key. */
export function subscriptionKey(value: string): string {
  return value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Adds a subscription; returns false when the chat already had it. */
export async function insertBotSubscription(
  q: Queryable,
  chatId: string | number,
  kind: SubscriptionKind,
  value: string,
): Promise<boolean> {
  const v = kind === 'all' ? '' : value.trim();
  const r = await q.query(
    `INSERT INTO bot_subscriptions (chat_id, kind, value, value_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id`,
    [String(chatId), kind, v, subscriptionKey(v)],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Removes every subscription of a chat; returns how many there were. */
export async function deleteBotSubscriptions(q: Queryable, chatId: string | number): Promise<number> {
  const r = await q.query('DELETE FROM bot_subscriptions WHERE chat_id = $1', [String(chatId)]);
  return r.rowCount ?? 0;
}

/** A chat's subscriptions, oldest first. */
export async function listBotSubscriptions(q: Queryable, chatId: string | number): Promise<BotSubscription[]> {
  const r = await q.query(
    'SELECT id::text, chat_id::text, kind, value FROM bot_subscriptions WHERE chat_id = $1 ORDER BY id',
    [String(chatId)],
  );
  return r.rows.map((x: any) => ({ id: x.id, chatId: x.chat_id, kind: x.kind, value: x.value }));
}

/** Subscriber counts for the admin status page. */
export async function countBotSubscriptions(
  q: Queryable,
): Promise<{ chats: number; subscriptions: number; byKind: Record<SubscriptionKind, number> }> {
  const r = await q.query<{ chats: number; subscriptions: number; all: number; anime: number; rarity: number }>(
    `SELECT count(DISTINCT s.chat_id)::int AS chats, count(*)::int AS subscriptions,
            count(*) FILTER (WHERE s.kind = 'all')::int AS all, count(*) FILTER (WHERE s.kind = 'anime')::int AS anime,
            count(*) FILTER (WHERE s.kind = 'rarity')::int AS rarity
       FROM bot_subscriptions s JOIN bot_chats c ON c.chat_id = s.chat_id WHERE c.member`,
  );
  const x = r.rows[0] ?? { chats: 0, subscriptions: 0, all: 0, anime: 0, rarity: 0 };
  return { chats: x.chats, subscriptions: x.subscriptions, byKind: { all: x.all, anime: x.anime, rarity: x.rarity } };
}

/** A new character as a digest lists it. */
export interface DigestCharacter {
  id: string;
  name: string | null;
  anime: string | null;
  rarity: string | null;
  rarityEmoji: string | null;
}

/** Highest character id now (the digest watermark starts here, so old characters are never announced). */
export async function getMaxCharacterId(q: Queryable): Promise<string> {
  const r = await q.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM characters');
  return r.rows[0]?.id ?? '0';
}

/**
 * Visible characters with an id above the watermark, created at least `settleSeconds` ago (so that rows of a
 * transaction still writing a batch are not skipped once a higher id is seen), oldest first.
 */
export async function listCharactersAfter(
  q: Queryable,
  afterId: string,
  settleSeconds: number,
  limit: number,
): Promise<DigestCharacter[]> {
  const r = await q.query(
    `SELECT c.id::text, c.name, c.anime, c.rarity, c.rarity_emoji FROM characters c
      WHERE c.id > $1 AND NOT c.hidden AND c.deleted_at IS NULL AND c.created_at <= now() - make_interval(secs => $2)
        AND EXISTS (SELECT 1 FROM artworks a WHERE a.character_id = c.id AND NOT a.hidden AND a.deleted_at IS NULL)
      ORDER BY c.id LIMIT $3`,
    [afterId, settleSeconds, limit],
  );
  return r.rows.map((x: any) => ({
    id: x.id,
    name: x.name,
    anime: x.anime,
    rarity: x.rarity,
    rarityEmoji: x.rarity_emoji,
  }));
}

/** Highest id among characters past the watermark that are settled (visible or not), to move the watermark past them. */
export async function getSettledMaxCharacterId(
  q: Queryable,
  afterId: string,
  settleSeconds: number,
): Promise<string | null> {
  const r = await q.query<{ id: string | null }>(
    `SELECT max(id)::text AS id FROM characters WHERE id > $1 AND created_at <= now() - make_interval(secs => $2)`,
    [afterId, settleSeconds],
  );
  return r.rows[0]?.id ?? null;
}

/** Every subscription of chats the bot is still in. */
export async function listActiveSubscriptions(q: Queryable): Promise<BotSubscription[]> {
  const r = await q.query(
    `SELECT s.id::text, s.chat_id::text, s.kind, s.value FROM bot_subscriptions s JOIN bot_chats c ON c.chat_id = s.chat_id
      WHERE c.member ORDER BY s.chat_id, s.id`,
  );
  return r.rows.map((x: any) => ({ id: x.id, chatId: x.chat_id, kind: x.kind, value: x.value }));
}

/** Whether a sync run is in progress (a digest waits for it, so that one sync gives one digest). */
export async function isSyncRunning(q: Queryable): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM sync_runs WHERE status = 'running' AND heartbeat_at > now() - interval '5 minutes' LIMIT 1`,
  );
  return (r.rowCount ?? 0) > 0;
}
