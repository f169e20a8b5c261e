-- Why: one Telegram session must not be used by two connections at once (Telegram answers
-- AUTH_KEY_DUPLICATED and revokes it). Whoever connects with the stored session (the sync worker or a
-- `sync` command) holds this one-row lease and renews it while connected; a `sync` that finds the worker
-- holding it queues its sync there instead. A holder that died is replaced once its lease is stale.

-- Up Migration
CREATE TABLE telegram_session_lease (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  owner text NOT NULL,
  -- worker | sync
  kind text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE IF EXISTS telegram_session_lease;
