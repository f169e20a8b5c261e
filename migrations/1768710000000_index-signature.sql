-- Why: a server's cold start reads every artwork's search signature. The full features blob (~5 KB, with
-- the verification images) lives out of line in TOAST, so reading it for a million artworks takes minutes;
-- the index needs only its first bytes (codes, Haar DC and coefficients, ~330 bytes). This stored column
-- keeps that prefix inline, computed by PostgreSQL from the blob, so every writer stays as it is.
-- The length follows the blob layout of core/src/images/feature-blob.ts: 19 bytes of header and two
-- codes, 8 per crop code (count at byte 18), 12 of DC and 3 × 40 × 2 of coefficients. A layout change
-- there needs a new migration here (feature-blob.test.ts checks the two agree).
-- Adding it rewrites the table once.

-- Up Migration
ALTER TABLE artwork_image_features
  ADD COLUMN signature bytea GENERATED ALWAYS AS (substring(features FROM 1 FOR 271 + 8 * get_byte(features, 18))) STORED;

-- Down Migration
ALTER TABLE artwork_image_features DROP COLUMN IF EXISTS signature;
