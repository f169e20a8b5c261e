-- Why: every branch of the gallery search must be answerable from an index, or one branch turns the whole
-- OR into a scan of every character (seconds at 100k). These match the expressions in
-- core/src/repos/character-search.repo.ts exactly: names typed without their spaces, rarity words, and
-- the bot's card number.

-- Up Migration
CREATE INDEX IF NOT EXISTS characters_name_nospace_trgm ON characters USING gin ((replace(name_search, ' ', '')) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS characters_anime_nospace_trgm ON characters USING gin ((replace(anime_search, ' ', '')) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS characters_rarity_words_trgm ON characters USING gin ((' ' || lower(coalesce(rarity, '')) || ' ') gin_trgm_ops);
CREATE INDEX IF NOT EXISTS characters_card_number ON characters ((coalesce(nullif(ltrim(source_id, '#0'), ''), '0')));

-- Down Migration
DROP INDEX IF EXISTS characters_card_number;
DROP INDEX IF EXISTS characters_rarity_words_trgm;
DROP INDEX IF EXISTS characters_anime_nospace_trgm;
DROP INDEX IF EXISTS characters_name_nospace_trgm;
