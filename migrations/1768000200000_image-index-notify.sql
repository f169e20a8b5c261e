-- Why: every process keeps its in-memory image index current. The change log stays (a process catches up
-- from it after a restart or a dropped connection); a NOTIFY per statement tells listeners to look now
-- instead of polling.

-- Up Migration
CREATE FUNCTION image_index_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('image_index_changes', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER image_index_changes_notify
  AFTER INSERT ON image_index_changes
  FOR EACH STATEMENT EXECUTE FUNCTION image_index_notify();

-- Down Migration
DROP TRIGGER IF EXISTS image_index_changes_notify ON image_index_changes;
DROP FUNCTION IF EXISTS image_index_notify();
