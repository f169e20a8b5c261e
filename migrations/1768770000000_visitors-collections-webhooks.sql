-- Why: visitor accounts (issue 18), off by default. A visitor is not an admin: own table, own sessions
-- (the same design as the admin's: only the SHA-256 of the cookie token is stored). Visitors like characters
-- (counts kept by a trigger, so the gallery sorts by them through one LEFT JOIN), mark what they caught
-- in their catcher bot ("my collection"), and write comments that the admin approves.
-- Outgoing webhooks: rows queued by triggers inside the transaction that created the character, artwork or
-- finished sync run, whichever process did it (server upload, sync worker, CLI import), so an event is never
-- lost with a crash nor sent for a rolled-back change. The server delivers the queue and survives restarts.

-- Up Migration
CREATE TABLE visitor_invites (
  id bigserial PRIMARY KEY,
  -- SHA-256 of the invite token (hex); the link itself is shown to the admin once
  token_hash text NOT NULL UNIQUE,
  note text NOT NULL DEFAULT '',
  max_uses integer NOT NULL DEFAULT 1 CHECK (max_uses BETWEEN 1 AND 1000),
  uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE visitors (
  id bigserial PRIMARY KEY,
  username text NOT NULL,
  password_hash text NOT NULL,
  invite_id bigint REFERENCES visitor_invites (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX visitors_username_key ON visitors (lower(username));

CREATE TABLE visitor_sessions (
  id text PRIMARY KEY,
  visitor_id bigint NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visitor_sessions_visitor ON visitor_sessions (visitor_id);
CREATE INDEX visitor_sessions_expires ON visitor_sessions (expires_at);

CREATE TABLE character_likes (
  visitor_id bigint NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
  character_id bigint NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (visitor_id, character_id)
);
CREATE INDEX character_likes_character ON character_likes (character_id);

CREATE TABLE character_like_counts (
  character_id bigint PRIMARY KEY REFERENCES characters (id) ON DELETE CASCADE,
  likes integer NOT NULL CHECK (likes >= 0)
);
CREATE INDEX character_like_counts_likes ON character_like_counts (likes DESC, character_id);

CREATE FUNCTION character_likes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO character_like_counts (character_id, likes) VALUES (NEW.character_id, 1)
      ON CONFLICT (character_id) DO UPDATE SET likes = character_like_counts.likes + 1;
  ELSE
    -- on a cascade from a deleted character the counts row may already be gone: then nothing to do
    UPDATE character_like_counts SET likes = greatest(likes - 1, 0) WHERE character_id = OLD.character_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER character_likes_count AFTER INSERT OR DELETE ON character_likes FOR EACH ROW EXECUTE FUNCTION character_likes_count();

CREATE TABLE collection_items (
  visitor_id bigint NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
  character_id bigint NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'harem', 'import')),
  caught_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (visitor_id, character_id)
);
CREATE INDEX collection_items_character ON collection_items (character_id);

CREATE TABLE character_comments (
  id bigserial PRIMARY KEY,
  character_id bigint NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  visitor_id bigint NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
  created_at timestamptz NOT NULL DEFAULT now(),
  approved_at timestamptz
);
CREATE INDEX character_comments_character ON character_comments (character_id, status, created_at);
CREATE INDEX character_comments_pending ON character_comments (created_at) WHERE status = 'pending';
CREATE INDEX character_comments_visitor ON character_comments (visitor_id, created_at);

CREATE TABLE webhooks (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  -- HMAC key of the signature header; needed in clear to sign, shown to the admin once
  secret text NOT NULL,
  events text[] NOT NULL CHECK (events <@ ARRAY['character.created', 'artwork.added', 'sync.finished']::text[] AND cardinality(events) > 0),
  description text NOT NULL DEFAULT '',
  -- the admin's explicit exception to the private-address guard (a receiver on the LAN)
  allow_private boolean NOT NULL DEFAULT false,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  webhook_id bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event text NOT NULL,
  data jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- a sender holds a delivery until then; a crashed sender's deliveries are picked up again after it
  locked_until timestamptz,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id DESC);

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  error text,
  duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE FUNCTION webhook_enqueue(ev text, payload jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (webhook_id, event, data)
    SELECT w.id, ev, payload FROM webhooks w WHERE w.enabled AND ev = ANY (w.events);
  IF FOUND THEN
    PERFORM pg_notify('webhook_deliveries', '');
  END IF;
END $$;

CREATE FUNCTION webhook_character_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue('character.created', jsonb_build_object(
    'id', NEW.id::text, 'name', NEW.name, 'anime', NEW.anime, 'rarity', NEW.rarity, 'rarity_emoji', NEW.rarity_emoji,
    'source_id', NEW.source_id, 'variant', NEW.variant, 'channel_id', NEW.channel_id::text, 'created_at', NEW.created_at));
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_character_created AFTER INSERT ON characters FOR EACH ROW EXECUTE FUNCTION webhook_character_created();

CREATE FUNCTION webhook_artwork_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue('artwork.added', jsonb_build_object(
    'id', NEW.id::text, 'character_id', NEW.character_id::text, 'file_path', NEW.file_path, 'thumb_path', NEW.thumb_path,
    'width', NEW.width, 'height', NEW.height, 'mime', NEW.mime, 'bytes', NEW.bytes, 'channel_id', NEW.channel_id::text,
    'message_id', NEW.message_id::text, 'created_at', NEW.created_at));
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_artwork_added AFTER INSERT ON artworks FOR EACH ROW EXECUTE FUNCTION webhook_artwork_added();

CREATE FUNCTION webhook_sync_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue('sync.finished', jsonb_build_object(
    'run_id', NEW.id::text, 'channel_id', NEW.channel_id::text, 'kind', NEW.kind, 'status', NEW.status, 'counts', NEW.counts,
    'error', NEW.error, 'started_at', NEW.started_at, 'finished_at', NEW.finished_at));
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_sync_finished AFTER UPDATE OF status ON sync_runs
  FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running') EXECUTE FUNCTION webhook_sync_finished();

-- Down Migration
DROP TRIGGER IF EXISTS webhook_sync_finished ON sync_runs;
DROP TRIGGER IF EXISTS webhook_artwork_added ON artworks;
DROP TRIGGER IF EXISTS webhook_character_created ON characters;
DROP FUNCTION IF EXISTS webhook_sync_finished();
DROP FUNCTION IF EXISTS webhook_artwork_added();
DROP FUNCTION IF EXISTS webhook_character_created();
DROP FUNCTION IF EXISTS webhook_enqueue(text, jsonb);
DROP TABLE IF EXISTS webhook_attempts;
DROP TABLE IF EXISTS webhook_deliveries;
DROP TABLE IF EXISTS webhooks;
DROP TABLE IF EXISTS character_comments;
DROP TABLE IF EXISTS collection_items;
DROP TABLE IF EXISTS character_like_counts;
DROP FUNCTION IF EXISTS character_likes_count() CASCADE;
DROP TABLE IF EXISTS character_likes;
DROP TABLE IF EXISTS visitor_sessions;
DROP TABLE IF EXISTS visitors;
DROP TABLE IF EXISTS visitor_invites;
