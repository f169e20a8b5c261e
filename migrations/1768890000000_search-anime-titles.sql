-- Why: a typo in an anime title at a million characters (issue 14). The near-miss tier read every
-- character that had one typed word of the query as a whole word (the title's ~500 characters plus every
-- name with that word) and checked each one's title by trigram similarity: 100–500 ms of database time.
-- Titles are few and repeated (a few thousand for a million characters): matching the query against the
-- distinct titles first, nearest first by their own trigram index, reads a few dozen short rows; the
-- characters of the titles found come from the word index (a title is one of its entries).
--
-- search_anime_titles holds each normalised title (anime_search) with its number of visible characters
-- (not hidden, not in the trash); a title with none is deleted. Statement-level triggers with transition
-- tables keep it current on insert, delete (also the cascade of a merge), an update that changes the
-- title, the visibility or the trash state, and truncate, one UPDATE per touched title in title order
-- (concurrent statements lock them in the same order). A row and its count commit together.

-- Up Migration
LOCK TABLE characters IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE search_anime_titles (
  anime_search text PRIMARY KEY,
  n integer NOT NULL
);

-- the counts from the characters themselves (the backfill; a bulk load without triggers calls it too)
CREATE FUNCTION search_anime_titles_rebuild() RETURNS void LANGUAGE sql AS $$
  DELETE FROM search_anime_titles;
  INSERT INTO search_anime_titles (anime_search, n)
    SELECT anime_search, count(*)::int FROM characters
     WHERE NOT hidden AND deleted_at IS NULL AND anime_search <> '' GROUP BY 1;
$$;
SELECT search_anime_titles_rebuild();

-- the titles nearest the query, with and without spaces ("rezero" for "re zero"), by trigram distance:
-- an ordered scan of these indexes reads the few nearest titles, however many there are
CREATE INDEX search_anime_titles_trgm ON search_anime_titles USING gist (anime_search gist_trgm_ops);
CREATE INDEX search_anime_titles_nospace_trgm ON search_anime_titles
  USING gist (replace(anime_search, ' ', '') gist_trgm_ops);

-- the visible rows a statement added (+1) and removed (−1), summed per title
CREATE FUNCTION search_anime_titles_apply(p_titles text[], p_deltas int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_anime_titles AS t (anime_search, n)
    SELECT a, sum(k)::int FROM unnest(p_titles, p_deltas) u(a, k)
     WHERE a IS NOT NULL AND a <> '' GROUP BY a HAVING sum(k) <> 0 ORDER BY a
    ON CONFLICT (anime_search) DO UPDATE SET n = t.n + EXCLUDED.n;
  DELETE FROM search_anime_titles WHERE n <= 0 AND anime_search = ANY(p_titles);
END $$;

CREATE FUNCTION characters_anime_titles_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM search_anime_titles_apply(array_agg(anime_search), array_agg(1))
     FROM new_rows WHERE NOT hidden AND deleted_at IS NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION characters_anime_titles_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM search_anime_titles_apply(array_agg(anime_search), array_agg(-1))
     FROM old_rows WHERE NOT hidden AND deleted_at IS NULL HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION characters_anime_titles_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- only the rows whose visibility or title changed (a rename of the character leaves the counts alone)
  PERFORM search_anime_titles_apply(array_agg(x.a), array_agg(x.k))
     FROM (SELECT o.anime_search AS a, -1 AS k FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE NOT o.hidden AND o.deleted_at IS NULL
              AND (n.hidden OR n.deleted_at IS NOT NULL OR n.anime_search IS DISTINCT FROM o.anime_search)
           UNION ALL
           SELECT n.anime_search, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE NOT n.hidden AND n.deleted_at IS NULL
              AND (o.hidden OR o.deleted_at IS NOT NULL OR n.anime_search IS DISTINCT FROM o.anime_search)) x
    HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION characters_anime_titles_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_anime_titles;
  RETURN NULL;
END $$;

CREATE TRIGGER characters_anime_titles_insert AFTER INSERT ON characters
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION characters_anime_titles_insert();
CREATE TRIGGER characters_anime_titles_delete AFTER DELETE ON characters
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION characters_anime_titles_delete();
CREATE TRIGGER characters_anime_titles_update AFTER UPDATE ON characters
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION characters_anime_titles_update();
CREATE TRIGGER characters_anime_titles_truncate AFTER TRUNCATE ON characters
  FOR EACH STATEMENT EXECUTE FUNCTION characters_anime_titles_truncate();

-- Down Migration
DROP TRIGGER IF EXISTS characters_anime_titles_truncate ON characters;
DROP TRIGGER IF EXISTS characters_anime_titles_update ON characters;
DROP TRIGGER IF EXISTS characters_anime_titles_delete ON characters;
DROP TRIGGER IF EXISTS characters_anime_titles_insert ON characters;
DROP FUNCTION IF EXISTS characters_anime_titles_truncate();
DROP FUNCTION IF EXISTS characters_anime_titles_update();
DROP FUNCTION IF EXISTS characters_anime_titles_delete();
DROP FUNCTION IF EXISTS characters_anime_titles_insert();
DROP FUNCTION IF EXISTS search_anime_titles_apply(text[], int[]);
DROP FUNCTION IF EXISTS search_anime_titles_rebuild();
DROP TABLE IF EXISTS search_anime_titles;
