-- Why: one character, many artworks (issue 13). Until now every post was its own character (grouped only
-- by the bot's card id within one channel). What is specific to a post moves onto its artwork: the card id
-- (source_id), the parsed name/anime/rarity/variant, the raw caption and its family/confidence/review flag
-- (channel, message and date were there already). A character becomes the normalised (name, anime)
-- identity across posts and channels: `group_key` (name_search, anime_search) is unique, and NULL for a
-- character the admin split off (new posts never join it). The character keeps a copy of its current
-- artwork's post fields (hand edits win), so the gallery list, its filters and the search stay one-table
-- queries. Identity by (channel, card id) moves to the artworks: a repost finds its card there.
--
-- Merging keeps the merged names as aliases (character_aliases) that search matches and new posts join.
-- The data-quality queue remembers entries an admin marked as fine (quality_dismissals).
--
-- Existing rows are grouped here: per (name_search, anime_search) the character whose current artwork is
-- the newest (visible ones first) keeps its id; the others' artworks and change log move to it (their
-- artworks keep the visibility they had). What the down migration needs to undo that is kept in
-- grouping_undo_*: it restores the grouped-away characters with their ids, artworks and change log.
-- Artworks added after the up migration stay where they are on the way down.

-- Up Migration
ALTER TABLE artworks
  ADD COLUMN source_id text,
  ADD COLUMN name text,
  ADD COLUMN anime text,
  ADD COLUMN rarity text,
  ADD COLUMN rarity_emoji text,
  ADD COLUMN variant text,
  ADD COLUMN raw_caption text NOT NULL DEFAULT '',
  ADD COLUMN caption_family text,
  ADD COLUMN parse_confidence real,
  ADD COLUMN needs_review boolean NOT NULL DEFAULT false;

-- an older artwork of a character had the caption of its time, which was not kept: the character's is the best there is
UPDATE artworks a
   SET source_id = c.source_id, name = c.name, anime = c.anime, rarity = c.rarity, rarity_emoji = c.rarity_emoji, variant = c.variant,
       raw_caption = c.raw_caption, caption_family = c.caption_family, parse_confidence = c.parse_confidence, needs_review = c.needs_review
  FROM characters c
 WHERE c.id = a.character_id;

-- a catcher bot's card id identifies the card within its channel: reposts share it
CREATE INDEX artworks_channel_source ON artworks (channel_id, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX artworks_review ON artworks (character_id) WHERE needs_review;

CREATE TABLE grouping_undo_characters AS SELECT * FROM characters WITH NO DATA;
CREATE TABLE grouping_undo_artworks (artwork_id bigint PRIMARY KEY, character_id bigint NOT NULL, is_current boolean NOT NULL, hidden boolean NOT NULL);
CREATE TABLE grouping_undo_changes (change_id bigint PRIMARY KEY, character_id bigint NOT NULL);

CREATE TEMP TABLE grouping_map AS
  SELECT id, first_value(id) OVER (
           PARTITION BY name_search, anime_search
           ORDER BY hidden, (SELECT max(a.created_at) FROM artworks a WHERE a.character_id = c.id AND a.is_current) DESC NULLS LAST, id
         ) AS survivor
    FROM characters c
   WHERE name_search <> '';
DELETE FROM grouping_map WHERE id = survivor;

INSERT INTO grouping_undo_characters SELECT c.* FROM characters c JOIN grouping_map m ON m.id = c.id;
INSERT INTO grouping_undo_artworks SELECT a.id, a.character_id, a.is_current, a.hidden FROM artworks a JOIN grouping_map m ON m.id = a.character_id;
INSERT INTO grouping_undo_changes SELECT x.id, x.character_id FROM character_changes x JOIN grouping_map m ON m.id = x.character_id;

UPDATE artworks a SET character_id = m.survivor, is_current = false, hidden = a.hidden OR c.hidden
  FROM grouping_map m JOIN characters c ON c.id = m.id
 WHERE a.character_id = m.id;
UPDATE character_changes x SET character_id = m.survivor FROM grouping_map m WHERE x.character_id = m.id;
DELETE FROM characters c USING grouping_map m WHERE c.id = m.id;
DROP TABLE grouping_map;

DROP INDEX characters_channel_source_key;
ALTER TABLE characters ADD COLUMN group_key text;
-- an artwork the admin split off becomes a character of its own that new posts never join
ALTER TABLE characters ADD COLUMN split_off boolean NOT NULL DEFAULT false;
UPDATE characters SET group_key = name_search || chr(31) || anime_search WHERE name_search <> '';
CREATE UNIQUE INDEX characters_group_key ON characters (group_key) WHERE group_key IS NOT NULL;

CREATE TABLE character_aliases (
  id bigserial PRIMARY KEY,
  character_id bigint NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  name text NOT NULL,
  anime text,
  name_search text NOT NULL,
  anime_search text NOT NULL DEFAULT '',
  -- a new post with this (name, anime) joins the character; NULL when another identity holds it already
  group_key text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX character_aliases_group_key ON character_aliases (group_key) WHERE group_key IS NOT NULL;
CREATE INDEX character_aliases_character ON character_aliases (character_id);
CREATE INDEX character_aliases_name_trgm ON character_aliases USING gin (name_search gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX character_aliases_name_nospace_trgm ON character_aliases USING gin ((replace(name_search, ' ', '')) gin_trgm_ops) WITH (fastupdate = off);

-- Entries of the data-quality queue an admin marked as fine (kind + the entry's key).
CREATE TABLE quality_dismissals (
  kind text NOT NULL,
  key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, key)
);

-- Down Migration
DROP TABLE IF EXISTS quality_dismissals;
DROP TABLE IF EXISTS character_aliases;
DROP INDEX IF EXISTS characters_group_key;
ALTER TABLE characters DROP COLUMN IF EXISTS split_off;
ALTER TABLE characters DROP COLUMN IF EXISTS group_key;

INSERT INTO characters SELECT u.* FROM grouping_undo_characters u WHERE NOT EXISTS (SELECT 1 FROM characters c WHERE c.id = u.id);
UPDATE artworks a SET is_current = false FROM grouping_undo_artworks u WHERE a.id = u.artwork_id AND u.is_current;
UPDATE artworks a SET character_id = u.character_id, hidden = u.hidden
  FROM grouping_undo_artworks u WHERE a.id = u.artwork_id AND EXISTS (SELECT 1 FROM characters c WHERE c.id = u.character_id);
UPDATE artworks a SET is_current = true
  FROM grouping_undo_artworks u
 WHERE a.id = u.artwork_id AND u.is_current AND a.character_id = u.character_id
   AND NOT EXISTS (SELECT 1 FROM artworks o WHERE o.character_id = a.character_id AND o.is_current);
UPDATE character_changes x SET character_id = u.character_id
  FROM grouping_undo_changes u WHERE x.id = u.change_id AND EXISTS (SELECT 1 FROM characters c WHERE c.id = u.character_id);
-- characters left without a current artwork (theirs moved back) take their newest one
UPDATE artworks a SET is_current = true
 WHERE a.id IN (SELECT DISTINCT ON (character_id) id FROM artworks
                 WHERE character_id NOT IN (SELECT character_id FROM artworks WHERE is_current)
                 ORDER BY character_id, created_at DESC, id DESC);
DROP TABLE grouping_undo_changes;
DROP TABLE grouping_undo_artworks;
DROP TABLE grouping_undo_characters;

-- one card id per channel again: a later duplicate (split off, or grouped from another post) drops its copy
UPDATE characters c SET source_id = NULL
 WHERE source_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM characters o WHERE o.channel_id = c.channel_id AND o.source_id = c.source_id AND o.id < c.id);
CREATE UNIQUE INDEX characters_channel_source_key ON characters (channel_id, source_id) WHERE source_id IS NOT NULL;

DROP INDEX IF EXISTS artworks_review;
DROP INDEX IF EXISTS artworks_channel_source;
ALTER TABLE artworks
  DROP COLUMN needs_review,
  DROP COLUMN parse_confidence,
  DROP COLUMN caption_family,
  DROP COLUMN raw_caption,
  DROP COLUMN variant,
  DROP COLUMN rarity_emoji,
  DROP COLUMN rarity,
  DROP COLUMN anime,
  DROP COLUMN name,
  DROP COLUMN source_id;
