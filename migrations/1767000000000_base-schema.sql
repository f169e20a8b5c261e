-- Why: the gallery's core tables. Channels feed characters; a character has one current artwork and
-- keeps older ones as history (catcher bots repost a character under the same id with new art).
-- Runs unchanged on embedded PGlite and on PostgreSQL 17 + pgvector.

-- Up Migration
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
  END IF;
END $$;

CREATE TABLE channels (
  id bigserial PRIMARY KEY,
  peer_id bigint UNIQUE,
  access_hash text,
  username text,
  invite_link text,
  title text NOT NULL DEFAULT '',
  caption_template text,
  rarity_emojis jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_message_id bigint NOT NULL DEFAULT 0,
  last_synced_at timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX channels_username_key ON channels (lower(username)) WHERE username IS NOT NULL;

CREATE TABLE characters (
  id bigserial PRIMARY KEY,
  channel_id bigint REFERENCES channels (id) ON DELETE SET NULL,
  name text,
  anime text,
  rarity text,
  rarity_emoji text,
  source_id text,
  variant text,
  caption_family text,
  parse_confidence real,
  raw_caption text NOT NULL DEFAULT '',
  name_search text NOT NULL DEFAULT '',
  anime_search text NOT NULL DEFAULT '',
  needs_review boolean NOT NULL DEFAULT false,
  -- fields an admin changed by hand; re-parsing keeps them
  edited_fields text[] NOT NULL DEFAULT '{}',
  hidden boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- a catcher bot's character id identifies the character within its channel
CREATE UNIQUE INDEX characters_channel_source_key ON characters (channel_id, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX characters_name_trgm ON characters USING gin (name_search gin_trgm_ops);
CREATE INDEX characters_anime_trgm ON characters USING gin (anime_search gin_trgm_ops);
CREATE INDEX characters_created ON characters (created_at DESC, id DESC);

CREATE TABLE artworks (
  id bigserial PRIMARY KEY,
  character_id bigint NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  file_path text NOT NULL,
  thumb_path text NOT NULL,
  sha256 text NOT NULL UNIQUE,
  phash bit(64) NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  bytes integer NOT NULL,
  mime text NOT NULL,
  channel_id bigint REFERENCES channels (id) ON DELETE SET NULL,
  message_id bigint,
  grouped_id bigint,
  telegram_photo_id text,
  is_current boolean NOT NULL DEFAULT true,
  hidden boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX artworks_channel_message_key ON artworks (channel_id, message_id) WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX artworks_one_current ON artworks (character_id) WHERE is_current;
CREATE INDEX artworks_character ON artworks (character_id);
CREATE INDEX artworks_telegram_photo ON artworks (telegram_photo_id) WHERE telegram_photo_id IS NOT NULL;

CREATE TABLE admins (
  id bigserial PRIMARY KEY,
  username text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX admins_username_key ON admins (lower(username));

CREATE TABLE sessions (
  -- SHA-256 of the session token (hex); the token itself is never stored
  id text PRIMARY KEY,
  admin_id bigint NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_admin ON sessions (admin_id);

CREATE TABLE sync_runs (
  id bigserial PRIMARY KEY,
  channel_id bigint REFERENCES channels (id) ON DELETE CASCADE,
  kind text NOT NULL DEFAULT 'sync',
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'cancelled')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  error text
);
CREATE INDEX sync_runs_channel ON sync_runs (channel_id, started_at DESC);

-- Down Migration
DROP TABLE IF EXISTS sync_runs;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS admins;
DROP TABLE IF EXISTS artworks;
DROP TABLE IF EXISTS characters;
DROP TABLE IF EXISTS channels;
