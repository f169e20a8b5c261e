-- Why: the Telegram bot (issue 17) answers "who is this?" in chats and sends digests of new characters.
-- Its state lives beside the gallery but never in it: the bot only reads gallery tables.

-- Up Migration
-- Chats the bot talks in: private chats of users who wrote to it, and the groups it was added to.
CREATE TABLE bot_chats (
  chat_id bigint PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('private', 'group', 'supergroup', 'channel')),
  title text NOT NULL DEFAULT '',
  -- groups: username of the catcher bot whose pictures get automatic answers (set by a group admin)
  auto_catcher text,
  member boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Notification subscriptions: all new characters, or those of one anime or one rarity.
CREATE TABLE bot_subscriptions (
  id bigserial PRIMARY KEY,
  chat_id bigint NOT NULL REFERENCES bot_chats (chat_id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('all', 'anime', 'rarity')),
  -- the value as typed, and its lower-case form that matching uses ('' for kind = 'all')
  value text NOT NULL DEFAULT '',
  value_key text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chat_id, kind, value_key)
);

-- Telegram file_unique_id of pictures already answered with a sure match: a repeat of the same spawn
-- answers from here without downloading it again.
CREATE TABLE bot_known_files (
  file_unique_id text PRIMARY KEY,
  artwork_id bigint NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
  hits integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- One row: admin settings, the digest watermark and the bot process's heartbeat.
CREATE TABLE bot_state (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  enabled boolean NOT NULL DEFAULT true,
  -- Telegram user or chat ids; empty = everyone may use the bot
  allow_list bigint[] NOT NULL DEFAULT '{}',
  -- highest character id already considered for digests (null until the bot first runs)
  digest_watermark bigint,
  bot_username text,
  mode text,
  started_at timestamptz,
  heartbeat_at timestamptz,
  answers bigint NOT NULL DEFAULT 0,
  digests_sent bigint NOT NULL DEFAULT 0,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO bot_state (id) VALUES (1);

-- Down Migration
DROP TABLE IF EXISTS bot_state;
DROP TABLE IF EXISTS bot_known_files;
DROP TABLE IF EXISTS bot_subscriptions;
DROP TABLE IF EXISTS bot_chats;
