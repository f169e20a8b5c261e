-- Why: the per-channel sync lock is a PostgreSQL advisory lock on every engine now (the embedded database
-- is a real PostgreSQL server), so the lease table that stood in for it on a single-session engine goes.

-- Up Migration
DROP TABLE IF EXISTS sync_locks;

-- Down Migration
CREATE TABLE IF NOT EXISTS sync_locks (
  channel_id bigint PRIMARY KEY,
  owner text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
