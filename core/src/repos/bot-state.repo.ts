/** SQL for the bot's single state row: admin settings (on/off, allow-list), digest watermark, heartbeat. */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

/** Settings an admin changes at run time. */
export interface BotSettings {
  enabled: boolean;
  /** Telegram user or chat ids allowed to use the bot; empty = everyone. */
  allowList: string[];
}

/** The whole state row. */
export interface BotState extends BotSettings {
  digestWatermark: string | null;
  botUsername: string | null;
  mode: string | null;
  startedAt: string | null;
  heartbeatAt: string | null;
  answers: number;
  digestsSent: number;
  lastError: string | null;
}

/** The state row (created by the migration). */
export async function getBotState(q: Queryable): Promise<BotState> {
  const r = await q.query('SELECT *, allow_list::text[] AS allow_list_text FROM bot_state WHERE id = 1');
  const x = r.rows[0];
  if (!x) throw new Error('bot_state row is missing');
  return {
    enabled: x.enabled,
    allowList: x.allow_list_text ?? [],
    digestWatermark: x.digest_watermark,
    botUsername: x.bot_username,
    mode: x.mode,
    startedAt: isoOrNull(x.started_at),
    heartbeatAt: isoOrNull(x.heartbeat_at),
    answers: Number(x.answers),
    digestsSent: Number(x.digests_sent),
    lastError: x.last_error,
  };
}

/** Updates the admin settings; fields left undefined keep their value. */
export async function updateBotSettings(q: Queryable, s: Partial<BotSettings>): Promise<void> {
  await q.query(
    `UPDATE bot_state SET enabled = coalesce($1, enabled), allow_list = coalesce($2::bigint[], allow_list), updated_at = now() WHERE id = 1`,
    [s.enabled ?? null, s.allowList ?? null],
  );
}

/** Records that a bot process started (username, polling or webhook). */
export async function markBotStarted(q: Queryable, username: string, mode: string): Promise<void> {
  await q.query(
    `UPDATE bot_state SET bot_username = $1, mode = $2, started_at = now(), heartbeat_at = now(), last_error = NULL WHERE id = 1`,
    [username, mode],
  );
}

/** Heartbeat with the counters gathered since the last one. */
export async function recordBotHeartbeat(
  q: Queryable,
  add: { answers: number; digests: number; lastError?: string | null },
): Promise<void> {
  await q.query(
    `UPDATE bot_state SET heartbeat_at = now(), answers = answers + $1, digests_sent = digests_sent + $2, last_error = coalesce($3, last_error) WHERE id = 1`,
    [add.answers, add.digests, add.lastError ?? null],
  );
}

/** Sets the digest watermark only if it is still `from` (two bot processes never announce a character twice). */
export async function advanceDigestWatermark(q: Queryable, from: string | null, to: string): Promise<boolean> {
  const r = await q.query(
    'UPDATE bot_state SET digest_watermark = $2 WHERE id = 1 AND digest_watermark IS NOT DISTINCT FROM $1',
    [from, to],
  );
  return (r.rowCount ?? 0) > 0;
}
