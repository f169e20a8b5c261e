-- Why: deleting from the admin panel moves a character (with its artworks) to a trash that a scheduled
-- purge empties after TRASH_RETENTION_DAYS, so a wrong delete can be undone. deleted_at marks trashed
-- rows; every public query (gallery, search, image index, bot) leaves them out. An artwork trashed with
-- its character carries the same timestamp, so restoring the character brings back exactly those.
-- The sync worker runs in its own process and publishes progress into sync_runs; a NOTIFY per statement
-- on sync_runs and sync_requests lets the server push it to the admin panel (Server-Sent Events)
-- instead of polling.

-- Up Migration
ALTER TABLE characters ADD COLUMN deleted_at timestamptz;
ALTER TABLE artworks ADD COLUMN deleted_at timestamptz;
CREATE INDEX characters_trash ON characters (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX artworks_trash ON artworks (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE FUNCTION sync_progress_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('sync_progress', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sync_runs_progress_notify
  AFTER INSERT OR UPDATE ON sync_runs
  FOR EACH STATEMENT EXECUTE FUNCTION sync_progress_notify();
CREATE TRIGGER sync_requests_progress_notify
  AFTER INSERT OR UPDATE ON sync_requests
  FOR EACH STATEMENT EXECUTE FUNCTION sync_progress_notify();

-- Down Migration
DROP TRIGGER IF EXISTS sync_requests_progress_notify ON sync_requests;
DROP TRIGGER IF EXISTS sync_runs_progress_notify ON sync_runs;
DROP FUNCTION IF EXISTS sync_progress_notify();
DROP INDEX IF EXISTS artworks_trash;
DROP INDEX IF EXISTS characters_trash;
ALTER TABLE artworks DROP COLUMN IF EXISTS deleted_at;
ALTER TABLE characters DROP COLUMN IF EXISTS deleted_at;
