/**
 * Digests of new characters for the bot's subscribers, independent of Telegram. The bot process polls a
 * character-id watermark (no hook in the sync code): new visible characters past it are matched against
 * the subscriptions, one digest per chat. While a sync is running the digest waits, so one sync gives one
 * message per subscriber. The watermark moves by compare-and-set, so two bot processes never both send.
 */
import type { Queryable } from '../db/database.js';
import {
  getMaxCharacterId,
  getSettledMaxCharacterId,
  isSyncRunning,
  listActiveSubscriptions,
  listCharactersAfter,
  subscriptionKey,
  type BotSubscription,
  type DigestCharacter,
} from '../repos/bot-subscriptions.repo.js';
import { advanceDigestWatermark, getBotState } from '../repos/bot-state.repo.js';

export type { DigestCharacter };

/** One message to send: the new characters one chat subscribed to. */
export interface Digest {
  chatId: string;
  characters: DigestCharacter[];
}

export interface BotDigestService {
  /**
   * Claims the characters that appeared since the last call and returns one digest per subscribed chat
   * (empty while a sync runs, on the first run, or when nothing is new). Claimed characters are never
   * returned again, even if sending fails.
   */
  collect(): Promise<Digest[]>;
}

function matches(s: BotSubscription, c: DigestCharacter): boolean {
  if (s.kind === 'all') return true;
  const v = s.kind === 'anime' ? c.anime : c.rarity;
  return v !== null && subscriptionKey(v) === subscriptionKey(s.value);
}

export function createBotDigestService(deps: {
  db: Queryable;
  /** Characters younger than this are left for the next round (their batch may still be committing). */
  settleSeconds?: number;
  /** Most characters claimed per round. */
  maxPerRound?: number;
}): BotDigestService {
  const { db } = deps;
  const settle = deps.settleSeconds ?? 30;
  const max = deps.maxPerRound ?? 1000;
  return {
    async collect() {
      const state = await getBotState(db);
      const from = state.digestWatermark;
      // First run: start from now, so the existing gallery is not announced.
      if (from === null) {
        await advanceDigestWatermark(db, null, await getMaxCharacterId(db));
        return [];
      }
      if (await isSyncRunning(db)) return [];
      const chars = await listCharactersAfter(db, from, settle, max);
      const to = chars.length === max ? chars[chars.length - 1]!.id : await getSettledMaxCharacterId(db, from, settle);
      if (to === null) return [];
      if (!(await advanceDigestWatermark(db, from, to))) return []; // another process claimed them
      if (chars.length === 0) return [];
      const byChat = new Map<string, DigestCharacter[]>();
      for (const s of await listActiveSubscriptions(db)) {
        const list = byChat.get(s.chatId) ?? [];
        for (const c of chars) if (matches(s, c) && !list.includes(c)) list.push(c);
        byChat.set(s.chatId, list);
      }
      const out: Digest[] = [];
      for (const [chatId, list] of byChat) {
        if (list.length) out.push({ chatId, characters: list.sort((a, b) => Number(a.id) - Number(b.id)) });
      }
      return out;
    },
  };
}
