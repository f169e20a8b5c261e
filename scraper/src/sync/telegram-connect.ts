/** Opening the Telegram source for sync/worker: credentials from Config, the session from the encrypted store. */
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import {
  createTelegramSessionStore,
  NO_SESSION_MESSAGE,
  SESSION_EXPIRED_MESSAGE,
  type TelegramSessionStore,
} from '@waifudex/core/services/telegram-session.service';
import {
  acquireSessionLease,
  currentSessionLease,
  releaseSessionLease,
  renewSessionLease,
  type SessionLease,
  type SessionLeaseKind,
} from '@waifudex/core/repos/session-lease.repo';
import { GramjsSource, type GramjsSourceOptions } from '../telegram/gramjs-source.js';
import { FatalSourceError, SessionExpiredError, type MessageSource } from '../telegram/source.js';
import { UserError } from '@waifudex/core/errors';

/** Telegram is not configured or nobody logged in yet (the worker waits; sync exits with this message). */
export class TelegramNotReadyError extends FatalSourceError {
  override name = 'TelegramNotReadyError';
}

/** Another process is connected with the stored session (two at once: Telegram revokes it, AUTH_KEY_DUPLICATED). */
export class SessionInUseError extends UserError {
  override name = 'SessionInUseError';
  constructor(readonly holder: SessionLease | null) {
    super(
      holder?.kind === 'worker'
        ? 'the sync worker is connected with the Telegram session right now'
        : 'another `sync` is connected with the Telegram session right now; wait for it to finish',
    );
  }
}

export function sessionStoreFor(config: Config, db: Db): TelegramSessionStore {
  return createTelegramSessionStore({ db, sessionSecret: config.sessionSecret, dataDir: config.dataDir });
}

export function telegramConfigured(config: Config): boolean {
  return Boolean(config.telegram.apiId && config.telegram.apiHash);
}

export interface OpenOptions {
  /** Holds the session lease while connected (the worker and `sync` do; tests may not). */
  lease?: { owner: string; kind: SessionLeaseKind };
  makeClient?: GramjsSourceOptions['makeClient'];
}

/** Connects with the stored session; marks it expired (once) when Telegram rejects it. */
export async function openTelegramSource(
  config: Config,
  db: Db,
  logger: Logger,
  o: OpenOptions = {},
): Promise<MessageSource> {
  if (!telegramConfigured(config)) {
    throw new TelegramNotReadyError(
      'TELEGRAM_API_ID and TELEGRAM_API_HASH are not set (get them at https://my.telegram.org)',
    );
  }
  const store = sessionStoreFor(config, db);
  const stored = await store.load();
  if (!stored) throw new TelegramNotReadyError(NO_SESSION_MESSAGE);
  if (stored.status === 'expired') throw new SessionExpiredError(SESSION_EXPIRED_MESSAGE);
  const lease = o.lease;
  if (lease && !(await acquireSessionLease(db, lease.owner, lease.kind)))
    throw new SessionInUseError(await currentSessionLease(db));
  try {
    const source = await GramjsSource.connect(
      {
        apiId: config.telegram.apiId!,
        apiHash: config.telegram.apiHash!,
        session: stored.session,
        proxy: config.telegram.proxy,
      },
      logger,
      {
        timeoutMs: config.telegram.timeoutMs,
        maxDownloadBytes: config.maxUploadBytes,
        ...(o.makeClient ? { makeClient: o.makeClient } : {}),
      },
    );
    if (lease) holdLease(source, db, lease.owner, logger);
    return source;
  } catch (err) {
    // catch: already failing with `err`; an unreleased lease expires by itself
    if (lease) await releaseSessionLease(db, lease.owner).catch(() => undefined);
    if (err instanceof SessionExpiredError) {
      await store.markExpired();
      throw new SessionExpiredError(SESSION_EXPIRED_MESSAGE);
    }
    throw err;
  }
}

/** Renews the lease while the source is open and releases it on close. */
function holdLease(source: GramjsSource, db: Db, owner: string, logger: Logger): void {
  const beat = setInterval(() => {
    renewSessionLease(db, owner).then(
      (ok) => ok || logger.warn('the Telegram session lease was taken over (this process looked dead)'),
      () => undefined,
    );
  }, 30_000);
  beat.unref();
  const close = source.close.bind(source);
  source.close = async () => {
    clearInterval(beat);
    await close();
    // catch: closing: an unreleased lease expires by itself
    await releaseSessionLease(db, owner).catch(() => undefined);
  };
}
