-- Why: posts that sync reads but does not store as characters (bot spawn/claim messages, rarity legends,
-- announcements) were only counted. Each is kept with its reason and caption so an admin can see what was
-- left out and why; a later edit that turns one into a character post is still stored by the edit pass.

-- Up Migration
CREATE TABLE skipped_posts (
  channel_id bigint NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  message_id bigint NOT NULL,
  -- bot_event | not_character
  reason text NOT NULL,
  caption text NOT NULL,
  skipped_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, message_id)
);
CREATE INDEX skipped_posts_recent ON skipped_posts (skipped_at DESC);

-- Down Migration
DROP TABLE IF EXISTS skipped_posts;
