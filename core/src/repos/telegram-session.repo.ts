/** SQL for the stored Telegram login session (one row, encrypted by telegram-session.service). */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export interface StoredTelegramSession {
  encrypted: string;
  status: 'ok' | 'expired';
  accountLabel: string | null;
  statusMessage: string | null;
  updatedAt: string;
}

export async function loadTelegramSessionRow(q: Queryable): Promise<StoredTelegramSession | null> {
  const r = await q.query('SELECT * FROM telegram_session WHERE id = 1');
  const row = r.rows[0];
  if (!row) return null;
  return {
    encrypted: row.encrypted,
    status: row.status,
    accountLabel: row.account_label,
    statusMessage: row.status_message,
    updatedAt: isoOrNull(row.updated_at)!,
  };
}

export async function saveTelegramSessionRow(
  q: Queryable,
  encrypted: string,
  accountLabel: string | null,
): Promise<void> {
  await q.query(
    `INSERT INTO telegram_session (id, encrypted, status, account_label, status_message, updated_at) VALUES (1, $1, 'ok', $2, NULL, now())
     ON CONFLICT (id) DO UPDATE SET encrypted = EXCLUDED.encrypted, status = 'ok', account_label = EXCLUDED.account_label,
       status_message = NULL, updated_at = now()`,
    [encrypted, accountLabel],
  );
}

/** Marks the stored session unusable (expired or revoked); the worker waits for a new login. */
export async function markTelegramSessionExpired(q: Queryable, message: string): Promise<void> {
  await q.query(`UPDATE telegram_session SET status = 'expired', status_message = $1 WHERE id = 1`, [message]);
}

export async function deleteTelegramSessionRow(q: Queryable): Promise<void> {
  await q.query('DELETE FROM telegram_session WHERE id = 1');
}
