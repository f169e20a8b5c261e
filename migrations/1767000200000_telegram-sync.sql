-- Why: Telegram ingest (issue 4). Channels remember how they were configured (so a username is resolved
-- once), runs keep per-message errors, the admin panel asks for a sync through sync_requests (the worker
-- polls it: LISTEN/NOTIFY is not available over PGlite), caption edits are recorded as character changes,
-- the Telegram login session is stored encrypted in one row, and sync_locks is the per-channel lock on
-- embedded PGlite (its socket server shares one backend session between connections, so session advisory
-- locks do not exclude each other there; on PostgreSQL the sync uses pg_try_advisory_lock instead).

-- Up Migration
ALTER TABLE channels ADD COLUMN ref text;
ALTER TABLE channels ADD COLUMN source text NOT NULL DEFAULT 'telegram';
ALTER TABLE channels ADD COLUMN last_error text;
CREATE UNIQUE INDEX channels_ref_key ON channels (lower(ref)) WHERE ref IS NOT NULL;

ALTER TABLE sync_runs ADD COLUMN errors jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE sync_runs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX sync_runs_running ON sync_runs (status) WHERE status = 'running';

CREATE INDEX artworks_channel_grouped ON artworks (channel_id, grouped_id) WHERE grouped_id IS NOT NULL;

CREATE TABLE sync_requests (
  id bigserial PRIMARY KEY,
  -- NULL: every enabled channel
  channel_id bigint REFERENCES channels (id) ON DELETE CASCADE,
  requested_by text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  picked_at timestamptz,
  finished_at timestamptz,
  error text
);
CREATE INDEX sync_requests_pending ON sync_requests (requested_at) WHERE picked_at IS NULL;

CREATE TABLE character_changes (
  id bigserial PRIMARY KEY,
  character_id bigint NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  -- caption_edit | repost | deleted | restored
  kind text NOT NULL,
  channel_id bigint REFERENCES channels (id) ON DELETE SET NULL,
  message_id bigint,
  -- { field: { from, to } }
  changes jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX character_changes_character ON character_changes (character_id, created_at DESC);

CREATE TABLE telegram_session (
  id integer PRIMARY KEY CHECK (id = 1),
  -- AES-256-GCM: base64 of iv(12) | tag(16) | ciphertext; the key never touches the database
  encrypted text NOT NULL,
  -- ok | expired
  status text NOT NULL DEFAULT 'ok',
  account_label text,
  status_message text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_locks (
  channel_id bigint PRIMARY KEY,
  owner text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE IF EXISTS sync_locks;
DROP TABLE IF EXISTS telegram_session;
DROP TABLE IF EXISTS character_changes;
DROP TABLE IF EXISTS sync_requests;
DROP INDEX IF EXISTS artworks_channel_grouped;
DROP INDEX IF EXISTS sync_runs_running;
ALTER TABLE sync_runs DROP COLUMN IF EXISTS heartbeat_at;
ALTER TABLE sync_runs DROP COLUMN IF EXISTS errors;
DROP INDEX IF EXISTS channels_ref_key;
ALTER TABLE channels DROP COLUMN IF EXISTS last_error;
ALTER TABLE channels DROP COLUMN IF EXISTS source;
ALTER TABLE channels DROP COLUMN IF EXISTS ref;
