-- Why: text search at a million characters (issue 14). A trigram index over the long search document
-- answers a word or a prefix by reading the posting lists of every trigram in it and rechecking thousands
-- of rows (60–120 ms at 1M; a typo up to seconds). What people type is mostly a name, an anime title, the
-- start of one, or a name without its space: that is a btree range over the words themselves.
--
-- character_search_words holds, for every visible character, each line of its search document (the name,
-- the anime title, the name without spaces, each alias with and without spaces) and each word of those
-- lines, so that `word LIKE 'kamo%'` (C collation: a plain btree range) finds exact names, titles, word
-- prefixes and space-free names, ranked in the index arm before any join. Hidden and trashed characters
-- have no rows (the search never has to filter them out of a range). The search document's trigram
-- index stays for what a word index cannot answer (a substring inside a word, typos).
--
-- Kept current by a trigger on characters: on insert, and on an update that changes the document (its
-- own fields or, through the alias trigger of migration search-document, an alias), the visibility or the
-- trash state; a deleted character's rows go with it (FK cascade). The backfill runs with writes to
-- characters locked out, so that no row changes between the backfill and the trigger.

-- Up Migration
LOCK TABLE characters IN SHARE ROW EXCLUSIVE MODE;

-- every line of the document and every word of a line, cut to what a btree entry can hold
CREATE FUNCTION character_search_words_of(p_doc text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT left(x, 200)), '{}')
    FROM unnest(string_to_array(p_doc, E'\n')) line, unnest(array_prepend(line, string_to_array(line, ' '))) x
   WHERE x <> ''
$$;

CREATE TABLE character_search_words (
  word text COLLATE "C" NOT NULL,
  character_id bigint NOT NULL
);
-- character_search_words_of, written out: a set-returning join is several times faster than a call per row
INSERT INTO character_search_words (word, character_id)
  SELECT DISTINCT left(x, 200), c.id
    FROM characters c, unnest(string_to_array(c.search_doc, E'\n')) line,
         unnest(array_prepend(line, string_to_array(line, ' '))) x
   WHERE NOT c.hidden AND c.deleted_at IS NULL AND x <> ''
   ORDER BY 1, 2;
-- indexes after the backfill: one sorted build instead of millions of inserts
ALTER TABLE character_search_words ADD PRIMARY KEY (word, character_id);
CREATE INDEX character_search_words_character ON character_search_words (character_id);
-- NOT VALID: the rows were just read from characters (a validation would join millions of them again);
-- the key holds for every later row and the cascade works all the same
ALTER TABLE character_search_words
  ADD FOREIGN KEY (character_id) REFERENCES characters (id) ON DELETE CASCADE NOT VALID;

CREATE FUNCTION characters_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  want text[] := CASE WHEN NOT NEW.hidden AND NEW.deleted_at IS NULL
                      THEN character_search_words_of(NEW.search_doc) ELSE '{}' END;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM character_search_words WHERE character_id = NEW.id AND word <> ALL (want);
  END IF;
  INSERT INTO character_search_words (word, character_id)
    SELECT w, NEW.id FROM unnest(want) w ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER characters_search_words_insert AFTER INSERT ON characters
  FOR EACH ROW EXECUTE FUNCTION characters_search_words();
CREATE TRIGGER characters_search_words_update AFTER UPDATE ON characters
  FOR EACH ROW WHEN (OLD.search_doc IS DISTINCT FROM NEW.search_doc OR OLD.hidden IS DISTINCT FROM NEW.hidden
                     OR (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL))
  EXECUTE FUNCTION characters_search_words();

-- Down Migration
DROP TRIGGER IF EXISTS characters_search_words_update ON characters;
DROP TRIGGER IF EXISTS characters_search_words_insert ON characters;
DROP FUNCTION IF EXISTS characters_search_words();
DROP TABLE IF EXISTS character_search_words;
DROP FUNCTION IF EXISTS character_search_words_of(text);
