/**
 * Admin view of the Telegram bot (issue 17): GET its status, the groups it is in and the subscriber
 * counts; PUT the on/off switch and the allow-list of Telegram user or group ids. The bot process reads
 * the settings within seconds. Nothing here talks to Telegram.
 */
import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { Db } from '@waifudex/core/db/database';
import { countBotChats, listBotGroups } from '@waifudex/core/repos/bot-chats.repo';
import { countBotSubscriptions } from '@waifudex/core/repos/bot-subscriptions.repo';
import { getBotState, updateBotSettings } from '@waifudex/core/repos/bot-state.repo';
import { botSettingsBody, type botStatus } from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';

/** A heartbeat older than this means the bot process is not running. */
const ALIVE_MS = 2 * 60_000;

async function status(db: Db, configured: boolean): Promise<z.infer<typeof botStatus>> {
  const [state, chats, subs, groups] = await Promise.all([
    getBotState(db),
    countBotChats(db),
    countBotSubscriptions(db),
    listBotGroups(db),
  ]);
  const alive = state.heartbeatAt !== null && Date.now() - Date.parse(state.heartbeatAt) < ALIVE_MS;
  return {
    configured,
    running: alive,
    username: state.botUsername,
    mode: state.mode,
    started_at: state.startedAt,
    heartbeat_at: state.heartbeatAt,
    last_error: state.lastError,
    answers: state.answers,
    digests_sent: state.digestsSent,
    settings: { enabled: state.enabled, allow_list: state.allowList },
    chats: { private: chats.private, groups: chats.groups },
    subscribers: { chats: subs.chats, subscriptions: subs.subscriptions, by_kind: subs.byKind },
    groups: groups.map((g) => ({
      chat_id: g.chatId,
      kind: g.kind,
      title: g.title,
      auto_catcher: g.autoCatcher,
      since: g.createdAt,
    })),
  };
}

export function botRoutes(deps: { db: Db; requireAdmin: RequestHandler; configured: boolean }): Router {
  const r = Router();
  r.get('/api/v1/admin/bot', deps.requireAdmin, async (_req, res) => {
    res.json(await status(deps.db, deps.configured));
  });
  r.put('/api/v1/admin/bot/settings', deps.requireAdmin, async (req, res) => {
    const body = parseOr400(botSettingsBody, req.body ?? {}, 'body');
    await updateBotSettings(deps.db, { enabled: body.enabled, allowList: body.allow_list });
    res.json(await status(deps.db, deps.configured));
  });
  return r;
}
