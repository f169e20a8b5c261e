/** Telegram account of the sync: session health, login from the browser (phone, code, 2FA password or QR), logout. */
import { z } from 'zod';
import { text, timestamp } from './common.js';

export const loginFlow = z
  .object({
    id: z.string(),
    method: z.enum(['phone', 'qr']),
    step: z.enum(['phone', 'code', 'password', 'qr', 'working', 'done', 'failed', 'cancelled']),
    message: z.string().nullable(),
    qr_url: z
      .string()
      .nullable()
      .meta({ description: 'tg://login?token=… to show as a QR code (renewed by Telegram while waiting).' }),
    qr_expires_at: timestamp.nullable(),
    flood_wait_until: timestamp.nullable(),
    account: z.string().nullable(),
  })
  .meta({ id: 'TelegramLoginFlow' });
export type LoginFlow = z.infer<typeof loginFlow>;

export const telegramStatus = z
  .object({
    configured: z.boolean().meta({ description: 'TELEGRAM_API_ID and TELEGRAM_API_HASH are set.' }),
    browser_login: z
      .boolean()
      .meta({ description: 'This server can drive a login (the scraper package is installed).' }),
    session: z.object({
      state: z.enum(['none', 'ok', 'expired']),
      account: z.string().nullable(),
      message: z.string().nullable(),
      updated_at: timestamp.nullable(),
    }),
    /** A FloodWait the running sync is sleeping through, if any. */
    flood_wait_until: timestamp.nullable(),
    login: loginFlow.nullable(),
  })
  .meta({ id: 'TelegramStatus' });
export type TelegramStatus = z.infer<typeof telegramStatus>;

export const loginStartBody = z.object({ method: z.enum(['phone', 'qr']) }).strict();
export const loginAnswerBody = z
  .object({ id: z.string().max(20), step: z.enum(['phone', 'code', 'password']), value: text(256).min(1) })
  .strict()
  .meta({ id: 'TelegramLoginAnswer' });
export const telegramLoggedOut = z.object({ ok: z.boolean() });
