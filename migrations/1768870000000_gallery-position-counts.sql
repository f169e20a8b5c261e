-- Why: a numbered gallery page (newest first, no filter) skipped (page − 1) × per_page rows of the visible
-- characters index: page 10,000 read 240,000 index entries (~200 ms at 1M, page 1 ~10 ms). With how many
-- visible characters were created in each hour and in each minute, a jump sums the hours (a few thousand
-- rows), then the minutes of one hour (≤ 60), and skips only inside one minute: page 10,000 then costs
-- what page 1 does.
--
-- gallery_time_counts holds, per level (1 = minute, 2 = hour) and bucket (whole minutes or hours since 1970
-- of created_at), the number of visible characters (not hidden, not in the trash); empty buckets are
-- deleted. Statement-level triggers with transition tables keep it current on insert, delete (also the
-- cascade of a merge) and any update that changes visibility or creation time (hide, unhide, trash,
-- restore), one UPDATE per touched bucket in bucket order (concurrent statements lock them in the same
-- order); a TRUNCATE of characters empties it. The counts are exact for the reader's snapshot: a row and
-- its count commit together.

-- Up Migration
LOCK TABLE characters IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE gallery_time_counts (
  level smallint NOT NULL,
  bucket bigint NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (level, bucket)
);

-- the minute of a creation time (whole minutes since 1970, floored: before 1970 too)
CREATE FUNCTION gallery_minute(p_at timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor(extract(epoch FROM p_at) / 60)::bigint
$$;

-- the counts from the characters themselves (the backfill; a bulk load without triggers calls it too)
CREATE FUNCTION gallery_time_counts_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM gallery_time_counts;
  WITH m AS (SELECT gallery_minute(created_at) AS m, count(*)::int AS n FROM characters
              WHERE NOT hidden AND deleted_at IS NULL GROUP BY 1)
  INSERT INTO gallery_time_counts (level, bucket, n)
    SELECT 1, m, n FROM m UNION ALL SELECT 2, floor(m / 60.0)::bigint, sum(n)::int FROM m GROUP BY 2;
$$;
SELECT gallery_time_counts_rebuild();

-- the visible rows a statement added (+1) and removed (−1), summed per minute and hour
CREATE FUNCTION gallery_time_counts_apply(p_minutes bigint[], p_deltas int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (SELECT m, k FROM unnest(p_minutes, p_deltas) u(m, k)),
       per AS (SELECT 1::smallint AS level, m AS bucket, sum(k)::int AS k FROM d GROUP BY m
               UNION ALL SELECT 2::smallint, floor(m / 60.0)::bigint, sum(k)::int FROM d GROUP BY 2),
       changed AS (SELECT * FROM per WHERE k <> 0 ORDER BY level, bucket)
  INSERT INTO gallery_time_counts AS g (level, bucket, n)
    SELECT level, bucket, k FROM changed ORDER BY level, bucket
    ON CONFLICT (level, bucket) DO UPDATE SET n = g.n + EXCLUDED.n;
  DELETE FROM gallery_time_counts WHERE n <= 0 AND (level, bucket) IN (
    SELECT 1, m FROM unnest(p_minutes) m UNION SELECT 2, floor(m / 60.0)::bigint FROM unnest(p_minutes) m);
END $$;

CREATE FUNCTION characters_time_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gallery_time_counts_apply(array_agg(gallery_minute(created_at)), array_agg(1))
     FROM new_rows WHERE NOT hidden AND deleted_at IS NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION characters_time_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM gallery_time_counts_apply(array_agg(gallery_minute(created_at)), array_agg(-1))
     FROM old_rows WHERE NOT hidden AND deleted_at IS NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION characters_time_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- only the rows whose visibility or minute changed (a rename leaves the counts alone)
  PERFORM gallery_time_counts_apply(array_agg(x.m), array_agg(x.k))
     FROM (SELECT gallery_minute(o.created_at) AS m, -1 AS k FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE NOT o.hidden AND o.deleted_at IS NULL
              AND (n.hidden OR n.deleted_at IS NOT NULL OR gallery_minute(n.created_at) <> gallery_minute(o.created_at))
           UNION ALL
           SELECT gallery_minute(n.created_at), 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE NOT n.hidden AND n.deleted_at IS NULL
              AND (o.hidden OR o.deleted_at IS NOT NULL OR gallery_minute(n.created_at) <> gallery_minute(o.created_at))) x
    HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION characters_time_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM gallery_time_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER characters_time_counts_insert AFTER INSERT ON characters
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION characters_time_counts_insert();
CREATE TRIGGER characters_time_counts_delete AFTER DELETE ON characters
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION characters_time_counts_delete();
CREATE TRIGGER characters_time_counts_update AFTER UPDATE ON characters
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION characters_time_counts_update();
CREATE TRIGGER characters_time_counts_truncate AFTER TRUNCATE ON characters
  FOR EACH STATEMENT EXECUTE FUNCTION characters_time_counts_truncate();

-- Down Migration
DROP TRIGGER IF EXISTS characters_time_counts_truncate ON characters;
DROP TRIGGER IF EXISTS characters_time_counts_update ON characters;
DROP TRIGGER IF EXISTS characters_time_counts_delete ON characters;
DROP TRIGGER IF EXISTS characters_time_counts_insert ON characters;
DROP FUNCTION IF EXISTS characters_time_counts_truncate();
DROP FUNCTION IF EXISTS characters_time_counts_update();
DROP FUNCTION IF EXISTS characters_time_counts_delete();
DROP FUNCTION IF EXISTS characters_time_counts_insert();
DROP FUNCTION IF EXISTS gallery_time_counts_apply(bigint[], int[]);
DROP FUNCTION IF EXISTS gallery_time_counts_rebuild();
DROP FUNCTION IF EXISTS gallery_minute(timestamptz);
DROP TABLE IF EXISTS gallery_time_counts;
