/** Admin view of the Telegram bot: status, groups, subscriber counts, and its on/off and allow-list settings. */
import { z } from 'zod';
import { timestamp } from './common.js';

/** Telegram ids: users positive, groups negative (-100… for supergroups); big ones as strings. */
const telegramId = z.union([
  z.string().regex(/^-?\d{1,18}$/),
  z.number().int().refine(Number.isSafeInteger, 'send large ids as strings'),
]);

export const botSettingsBody = z
  .object({
    enabled: z.boolean().optional(),
    allow_list: z.array(telegramId.transform(String)).max(1000).optional(),
  })
  .strict()
  .meta({ id: 'BotSettingsBody' });

export const botStatus = z
  .object({
    configured: z.boolean().meta({ description: 'TELEGRAM_BOT_TOKEN is set on this server.' }),
    running: z.boolean().meta({ description: 'A bot process sent a heartbeat in the last 2 minutes.' }),
    username: z.string().nullable(),
    mode: z.string().nullable(),
    started_at: timestamp.nullable(),
    heartbeat_at: timestamp.nullable(),
    last_error: z.string().nullable(),
    answers: z.number().int(),
    digests_sent: z.number().int(),
    settings: z.object({ enabled: z.boolean(), allow_list: z.array(z.string()) }),
    chats: z.object({ private: z.number().int(), groups: z.number().int() }),
    subscribers: z.object({
      chats: z.number().int(),
      subscriptions: z.number().int(),
      by_kind: z.object({ all: z.number().int(), anime: z.number().int(), rarity: z.number().int() }),
    }),
    groups: z.array(
      z.object({
        chat_id: z.string(),
        kind: z.string(),
        title: z.string(),
        auto_catcher: z.string().nullable(),
        since: timestamp.nullable(),
      }),
    ),
  })
  .meta({ id: 'BotStatus' });
export type BotStatus = z.infer<typeof botStatus>;
