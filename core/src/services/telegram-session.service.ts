/**
 * The Telegram login session at rest: AES-256-GCM with a key derived from SESSION_SECRET, or (when that
 * is unset) a random key generated once into DATA_DIR/telegram-session.key with mode 0600. The ciphertext
 * lives in the telegram_session row, so the server and the scraper (separate processes, same database)
 * read the same session. The plain session string is never logged.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../db/database.js';
import {
  deleteTelegramSessionRow,
  loadTelegramSessionRow,
  markTelegramSessionExpired,
  saveTelegramSessionRow,
  type StoredTelegramSession,
} from '../repos/telegram-session.repo.js';
import { UserError } from '../errors.js';

export const SESSION_KEY_FILE = 'telegram-session.key';
export const SESSION_EXPIRED_MESSAGE = 'Telegram session expired or revoked: run `npm run scraper -- login` again';
export const NO_SESSION_MESSAGE = 'No Telegram session yet: run `npm run scraper -- login` first';

/** Raised when the stored session cannot be decrypted (wrong SESSION_SECRET or key file). */
export class SessionDecryptError extends UserError {
  override name = 'SessionDecryptError';
}

/** The 32-byte key: from the secret, else from (or newly into) the key file in dataDir. */
export function sessionKey(opts: { sessionSecret?: string | undefined; dataDir: string }): Buffer {
  if (opts.sessionSecret)
    return crypto.createHash('sha256').update(`waifudex-telegram-session:${opts.sessionSecret}`).digest();
  const file = path.join(opts.dataDir, SESSION_KEY_FILE);
  try {
    const hex = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/i.test(hex)) return Buffer.from(hex, 'hex');
    throw new SessionDecryptError(`${file} is not a valid key file (64 hex characters); delete it and log in again`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return sessionKey(opts); // another process won the race
    throw err;
  }
  return key;
}

export function encryptSession(plain: string, key: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function decryptSession(encrypted: string, key: Buffer): string {
  const raw = Buffer.from(encrypted, 'base64');
  if (raw.length < 29)
    throw new SessionDecryptError('stored Telegram session is damaged: run `npm run scraper -- login` again');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SessionDecryptError(
      'cannot decrypt the stored Telegram session (SESSION_SECRET or the key file in DATA_DIR changed): run `npm run scraper -- login` again',
    );
  }
}

export interface TelegramSessionStore {
  /** The plain session string and its status, or null when nobody logged in yet. */
  load(): Promise<{
    session: string;
    status: StoredTelegramSession['status'];
    accountLabel: string | null;
    updatedAt: string;
  } | null>;
  save(session: string, accountLabel: string | null): Promise<void>;
  markExpired(message?: string): Promise<void>;
  /** Status without decrypting (for the admin panel). */
  status(): Promise<{
    state: 'none' | 'ok' | 'expired';
    accountLabel: string | null;
    message: string | null;
    updatedAt: string | null;
  }>;
  clear(): Promise<void>;
}

export function createTelegramSessionStore(deps: {
  db: Queryable;
  sessionSecret?: string | undefined;
  dataDir: string;
}): TelegramSessionStore {
  let key: Buffer | null = null;
  const keyOf = () => (key ??= sessionKey(deps));
  return {
    async load() {
      const row = await loadTelegramSessionRow(deps.db);
      if (!row) return null;
      return {
        session: decryptSession(row.encrypted, keyOf()),
        status: row.status,
        accountLabel: row.accountLabel,
        updatedAt: row.updatedAt,
      };
    },
    async save(session, accountLabel) {
      await saveTelegramSessionRow(deps.db, encryptSession(session, keyOf()), accountLabel);
    },
    async markExpired(message = SESSION_EXPIRED_MESSAGE) {
      await markTelegramSessionExpired(deps.db, message);
    },
    async status() {
      const row = await loadTelegramSessionRow(deps.db);
      if (!row) return { state: 'none', accountLabel: null, message: NO_SESSION_MESSAGE, updatedAt: null };
      return {
        state: row.status,
        accountLabel: row.accountLabel,
        message: row.statusMessage,
        updatedAt: row.updatedAt,
      };
    },
    async clear() {
      await deleteTelegramSessionRow(deps.db);
    },
  };
}
