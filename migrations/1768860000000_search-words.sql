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

-- every line of the document and every word of a line, cut to what a btree entry can hold; in_name: not
-- only from the anime title (the document's second line), so that a name outranks a title with the word
CREATE FUNCTION character_search_words_of(p_doc text) RETURNS TABLE (word text, in_name boolean)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT left(x, 200), bool_or(l.n <> 2)
    FROM unnest(string_to_array(p_doc, E'\n')) WITH ORDINALITY l(line, n),
         unnest(array_prepend(l.line, string_to_array(l.line, ' '))) x
   WHERE x <> ''
   GROUP BY 1
$$;

CREATE TABLE character_search_words (
  word text COLLATE "C" NOT NULL,
  character_id bigint NOT NULL,
  in_name boolean NOT NULL
);
INSERT INTO character_search_words (word, character_id, in_name)
  SELECT w.word, c.id, w.in_name FROM characters c, character_search_words_of(c.search_doc) w
   WHERE NOT c.hidden AND c.deleted_at IS NULL
   ORDER BY 1, 2;
-- indexes after the backfill: one sorted build instead of millions of inserts
ALTER TABLE character_search_words ADD PRIMARY KEY (word, character_id);
CREATE INDEX character_search_words_character ON character_search_words (character_id);
-- NOT VALID: the rows were just read from characters (a validation would join millions of them again);
-- the key holds for every later row and the cascade works all the same
ALTER TABLE character_search_words
  ADD FOREIGN KEY (character_id) REFERENCES characters (id) ON DELETE CASCADE NOT VALID;

CREATE FUNCTION characters_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM character_search_words x WHERE x.character_id = NEW.id
       AND (NEW.hidden OR NEW.deleted_at IS NOT NULL
            OR x.word NOT IN (SELECT w.word FROM character_search_words_of(NEW.search_doc) w));
  END IF;
  IF NOT NEW.hidden AND NEW.deleted_at IS NULL THEN
    INSERT INTO character_search_words (word, character_id, in_name)
      SELECT w.word, NEW.id, w.in_name FROM character_search_words_of(NEW.search_doc) w
      ON CONFLICT (word, character_id) DO UPDATE SET in_name = EXCLUDED.in_name
        WHERE character_search_words.in_name IS DISTINCT FROM EXCLUDED.in_name;
  END IF;
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
