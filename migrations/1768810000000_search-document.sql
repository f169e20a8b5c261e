-- Why: text search at a million characters (issue 14). The gallery search matched each field (name, anime,
-- the name without its spaces, every alias through a per-row EXISTS) with its own index, so one query
-- was a BitmapOr of eight index scans, and the alias EXISTS made the per-word branch unindexable (a scan
-- of every character: seconds at 100k). Now one search document per character holds what is matched by
-- substring and by trigram similarity, with one trigram index over the visible characters:
--   name, anime, the name without spaces, and each alias with and without its spaces, one per line
--   (a query never holds a line break, so a substring never spans two of them; trigrams never do).
-- Triggers keep it current: on the character's own normalised fields, and on any change to its aliases.
-- A rarity word matches by `rarity = ANY(the values that have the word)` on a btree (the values are a
-- handful, read by a skip scan of the same index; the planner knows from the column statistics that a
-- rarity is a fifth of the gallery, not a few rows as it guessed of the trigram expression), the
-- exact name a btree (it is ranked first even among a broad query's matches), and the
-- gallery's newest-first order a partial index over the visible characters, so that a numbered page
-- skips rows in the index alone.

-- Up Migration
CREATE FUNCTION character_search_doc(p_id bigint, p_name text, p_anime text) RETURNS text
  LANGUAGE sql STABLE AS $$
  SELECT concat_ws(E'\n', p_name, p_anime, replace(p_name, ' ', ''),
    (SELECT string_agg(al.name_search || E'\n' || replace(al.name_search, ' ', ''), E'\n' ORDER BY al.id)
       FROM character_aliases al WHERE al.character_id = p_id))
$$;

ALTER TABLE characters ADD COLUMN search_doc text NOT NULL DEFAULT '';
UPDATE characters c SET search_doc = character_search_doc(c.id, c.name_search, c.anime_search);

CREATE FUNCTION characters_search_doc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_doc := character_search_doc(NEW.id, NEW.name_search, NEW.anime_search);
  RETURN NEW;
END $$;
CREATE TRIGGER characters_search_doc BEFORE INSERT OR UPDATE OF name_search, anime_search ON characters
  FOR EACH ROW EXECUTE FUNCTION characters_search_doc();

CREATE FUNCTION character_aliases_search_doc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE characters c SET search_doc = character_search_doc(c.id, c.name_search, c.anime_search)
   WHERE c.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.character_id END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.character_id END);
  RETURN NULL;
END $$;
CREATE TRIGGER character_aliases_search_doc AFTER INSERT OR DELETE OR UPDATE OF character_id, name_search ON character_aliases
  FOR EACH ROW EXECUTE FUNCTION character_aliases_search_doc();

CREATE INDEX characters_search_doc_trgm ON characters USING gin (search_doc gin_trgm_ops)
  WITH (fastupdate = off) WHERE NOT hidden AND deleted_at IS NULL;
CREATE INDEX characters_visible_rarity ON characters (rarity) WHERE NOT hidden AND deleted_at IS NULL;
-- matched through the rarity values now
DROP INDEX IF EXISTS characters_rarity_words_trgm;
CREATE INDEX characters_visible_name ON characters (name_search) WHERE NOT hidden AND deleted_at IS NULL;
CREATE INDEX characters_visible_created ON characters (created_at DESC, id DESC) WHERE NOT hidden AND deleted_at IS NULL;

-- Down Migration
CREATE INDEX IF NOT EXISTS characters_rarity_words_trgm ON characters USING gin ((' ' || lower(coalesce(rarity, '')) || ' ') gin_trgm_ops) WITH (fastupdate = off);
DROP INDEX IF EXISTS characters_visible_created;
DROP INDEX IF EXISTS characters_visible_name;
DROP INDEX IF EXISTS characters_visible_rarity;
DROP INDEX IF EXISTS characters_search_doc_trgm;
DROP TRIGGER IF EXISTS character_aliases_search_doc ON character_aliases;
DROP FUNCTION IF EXISTS character_aliases_search_doc();
DROP TRIGGER IF EXISTS characters_search_doc ON characters;
DROP FUNCTION IF EXISTS characters_search_doc();
ALTER TABLE characters DROP COLUMN IF EXISTS search_doc;
DROP FUNCTION IF EXISTS character_search_doc(bigint, text, text);
