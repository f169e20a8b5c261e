/**
 * Runs the bot until a signal: long polling by default, or a webhook listener when a webhook URL is set
 * (behind the proxy). Also the heartbeat the admin page shows, and the digest round every minute.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { GrammyError, HttpError, webhookCallback } from 'grammy';
import type { Logger } from '@waifudex/core/logger';
import type { Db } from '@waifudex/core/db/database';
import { markBotStarted, recordBotHeartbeat } from '@waifudex/core/repos/bot-state.repo';
import type { WaifudexBot } from './create-bot.js';
import { UserError } from '@waifudex/core/errors';

const HEARTBEAT_MS = 30_000;

/** The webhook's secret_token, derived from the bot token so that every replica agrees without a setting. */
export function webhookSecret(token: string): string {
  return crypto.createHash('sha256').update(`waifudex-webhook:${token}`).digest('hex').slice(0, 48);
}
const DIGEST_MS = 60_000;

export interface RunBotOptions {
  db: Db;
  logger: Logger;
  webhookUrl?: string;
  webhookPort: number;
  /** Resolves when the process should stop. */
  stopped: Promise<void>;
}

export async function runBot(w: WaifudexBot, opts: RunBotOptions): Promise<void> {
  const { bot } = w;
  const { db, logger } = opts;
  try {
    await bot.init();
  } catch (err) {
    // one line for the usual start-up problems (grammY's messages never contain the token)
    const why =
      err instanceof GrammyError && err.error_code === 401
        ? 'Telegram refused TELEGRAM_BOT_TOKEN (401): copy the token @BotFather gave again'
        : err instanceof HttpError
          ? 'cannot reach the Telegram Bot API (network)'
          : null;
    if (why) throw new UserError(why);
    throw err;
  }
  const mode = opts.webhookUrl ? 'webhook' : 'polling';
  await markBotStarted(db, bot.botInfo.username, mode);
  logger.info({ username: bot.botInfo.username, mode }, 'bot: started');

  let lastError: string | null = null;
  const heartbeat = setInterval(() => {
    // catch: a missed heartbeat is written again on the next tick (the admin page shows it stale meanwhile)
    void recordBotHeartbeat(db, { ...w.takeCounters(), lastError }).catch(() => undefined);
    lastError = null;
  }, HEARTBEAT_MS);
  let digesting = false;
  const digestTimer = setInterval(() => {
    if (digesting) return;
    digesting = true;
    w.runDigest()
      .then((n) => n && logger.info({ messages: n }, 'bot: digests sent'))
      .catch((err: Error) => {
        lastError = `digest: ${err.message}`;
        logger.warn({ err: err.message }, 'bot: digest round failed');
      })
      .finally(() => (digesting = false));
  }, DIGEST_MS);

  let server: http.Server | null = null;
  try {
    if (opts.webhookUrl) {
      const secret = webhookSecret(bot.token);
      const handle = webhookCallback(bot, 'http', { secretToken: secret });
      server = http.createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
      await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(opts.webhookPort, resolve));
      await bot.api.setWebhook(opts.webhookUrl, {
        secret_token: secret,
        allowed_updates: ['message', 'callback_query', 'my_chat_member'],
      });
      logger.info({ port: opts.webhookPort }, 'bot: webhook listening');
      await opts.stopped;
    } else {
      const polling = bot.start({ allowed_updates: ['message', 'callback_query', 'my_chat_member'] });
      await Promise.race([opts.stopped, polling]);
      await bot.stop();
    }
  } finally {
    clearInterval(heartbeat);
    clearInterval(digestTimer);
    server?.close();
    await w.queue.idle();
    // catch: shutting down: the last heartbeat is a courtesy
    await recordBotHeartbeat(db, { ...w.takeCounters(), lastError }).catch(() => undefined);
  }
}
