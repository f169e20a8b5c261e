-- Why: a channel reference that cannot be resolved (a numeric id not among the account's chats, which
-- takes walking every dialog to find out, or a username lookup Telegram rate-limits with a long
-- FloodWait) was tried again on every cron run. The failure is remembered until retry_at.

-- Up Migration
CREATE TABLE channel_resolve_failures (
  -- the reference as configured, lower-cased
  ref text PRIMARY KEY,
  error text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  retry_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE IF EXISTS channel_resolve_failures;
