-- Why: read-only API tokens for external apps and bots (issue 10). Only the SHA-256 of a token is stored;
-- `prefix` (its first characters) lets the admin tell tokens apart. Revoking deletes the row.
-- sessions_expires lets the scheduled purge of expired sessions use an index.

-- Up Migration
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_by bigint REFERENCES admins (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);

CREATE INDEX sessions_expires ON sessions (expires_at);

-- Down Migration
DROP INDEX sessions_expires;
DROP TABLE api_tokens;
