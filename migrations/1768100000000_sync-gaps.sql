-- Why: a message that could not be stored (download kept failing, file unavailable, FloodWait mid-batch,
-- or a Telegram Desktop export that left its file out) used to be skipped for good once last_message_id
-- moved past it. Each such message is kept here and retried by later runs with backoff until it is
-- stored, turns out to hold nothing storable, or is deleted.

-- Up Migration
CREATE TABLE sync_gaps (
  channel_id bigint NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  message_id bigint NOT NULL,
  -- download | network | flood_wait | file_unavailable | export_file_not_included | export_file_unavailable
  reason text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, message_id)
);
CREATE INDEX sync_gaps_due ON sync_gaps (channel_id, next_attempt_at);

-- Down Migration
DROP TABLE IF EXISTS sync_gaps;
