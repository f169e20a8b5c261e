-- Why: thumbnails now come at several widths for srcset (thumbs/<xx>/<sha256>-<width>.webp). The widths
-- made for an artwork are listed here; an empty list marks an artwork from before, whose single 320 px
-- thumbnail (thumb_path) is still served until `npm run reindex` backfills the widths.

-- Up Migration
ALTER TABLE artworks ADD COLUMN IF NOT EXISTS thumb_widths smallint[] NOT NULL DEFAULT '{}';

-- Down Migration
ALTER TABLE artworks DROP COLUMN IF EXISTS thumb_widths;
