/** Opening the Telegram source for sync/worker: credentials from Config, the session from the encrypted store. */
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { createTelegramSessionStore, NO_SESSION_MESSAGE, SESSION_EXPIRED_MESSAGE, type TelegramSessionStore } from '@waifudex/core/services/telegram-session.service';
import { GramjsSource, type GramjsSourceOptions } from '../telegram/gramjs-source.js';
import { FatalSourceError, SessionExpiredError, type MessageSource } from '../telegram/source.js';

/** Telegram is not configured or nobody logged in yet (the worker waits; sync exits with this message). */
export class TelegramNotReadyError extends FatalSourceError {
  override name = 'TelegramNotReadyError';
}

export function sessionStoreFor(config: Config, db: Db): TelegramSessionStore {
  return createTelegramSessionStore({ db, sessionSecret: config.sessionSecret, dataDir: config.dataDir });
}

export function telegramConfigured(config: Config): boolean {
  return Boolean(config.telegram.apiId && config.telegram.apiHash);
}

/** Connects with the stored session; marks it expired (once) when Telegram rejects it. */
export async function openTelegramSource(config: Config, db: Db, logger: Logger, makeClient?: GramjsSourceOptions['makeClient']): Promise<MessageSource> {
  if (!telegramConfigured(config)) {
    throw new TelegramNotReadyError('TELEGRAM_API_ID and TELEGRAM_API_HASH are not set (get them at https://my.telegram.org)');
  }
  const store = sessionStoreFor(config, db);
  const stored = await store.load();
  if (!stored) throw new TelegramNotReadyError(NO_SESSION_MESSAGE);
  if (stored.status === 'expired') throw new SessionExpiredError(SESSION_EXPIRED_MESSAGE);
  try {
    return await GramjsSource.connect(
      { apiId: config.telegram.apiId!, apiHash: config.telegram.apiHash!, session: stored.session, proxy: config.telegram.proxy },
      logger,
      { timeoutMs: config.telegram.timeoutMs, maxDownloadBytes: config.maxUploadBytes, ...(makeClient ? { makeClient } : {}) },
    );
  } catch (err) {
    if (err instanceof SessionExpiredError) {
      await store.markExpired();
      throw new SessionExpiredError(SESSION_EXPIRED_MESSAGE);
    }
    throw err;
  }
}
