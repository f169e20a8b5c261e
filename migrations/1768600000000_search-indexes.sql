-- Why: every branch of the gallery search must be answerable from an index, or one branch turns the whole
-- OR into a scan of every character (seconds at 100k). These match the expressions in
-- core/src/repos/character-search.repo.ts exactly: names typed without their spaces, rarity words, and
-- the bot's card number.
-- The trigram indexes also skip GIN's pending list (fastupdate off): after a bulk import every search
-- would otherwise read the whole unsorted list until the next vacuum (0.7 s instead of milliseconds at
-- 100k). Inserts pay a little more, which the image work of an ingest dwarfs.

-- Up Migration
CREATE INDEX IF NOT EXISTS characters_name_nospace_trgm ON characters USING gin ((replace(name_search, ' ', '')) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS characters_anime_nospace_trgm ON characters USING gin ((replace(anime_search, ' ', '')) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS characters_rarity_words_trgm ON characters USING gin ((' ' || lower(coalesce(rarity, '')) || ' ') gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS characters_card_number ON characters ((coalesce(nullif(ltrim(source_id, '#0'), ''), '0')));
ALTER INDEX characters_name_trgm SET (fastupdate = off);
ALTER INDEX characters_anime_trgm SET (fastupdate = off);
SELECT gin_clean_pending_list('characters_name_trgm'::regclass);
SELECT gin_clean_pending_list('characters_anime_trgm'::regclass);

-- Down Migration
ALTER INDEX characters_anime_trgm RESET (fastupdate);
ALTER INDEX characters_name_trgm RESET (fastupdate);
DROP INDEX IF EXISTS characters_card_number;
DROP INDEX IF EXISTS characters_rarity_words_trgm;
DROP INDEX IF EXISTS characters_anime_nospace_trgm;
DROP INDEX IF EXISTS characters_name_nospace_trgm;
