-- Why: the optional CLIP stage must also run where PostgreSQL has no pgvector (the embedded server from
-- npm ships without it). Where 1767000300000_clip-embeddings.sql created the pgvector table (`vector`
-- column + HNSW), this migration does nothing. Otherwise it creates artwork_embeddings with the same
-- columns in core types: `real[]` of exactly `dims` numbers. Each process then searches the rows in
-- memory (core/src/services/embedding-memory-index.ts), keeping its copy current cheaply:
--   - artwork_embeddings_version holds one counter; a row trigger bumps it on every insert, update and
--     delete and stamps the row with it. The counter row stays locked until the writer commits, so
--     stamps become visible in order: "rows with version > last" is an exact delta.
--   - artwork_embedding_removals records deleted rows (cascades from artworks included) with their stamp.
-- The app picks the search path from the column's type, so installing pgvector later leaves this
-- table (and its in-memory search) working as it is.

-- Up Migration
DO $$
BEGIN
  IF to_regclass('artwork_embeddings') IS NOT NULL THEN
    RETURN; -- the pgvector table exists: keep it
  END IF;

  CREATE TABLE artwork_embedding_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL
  );
  INSERT INTO artwork_embedding_version (version) VALUES (0);

  CREATE TABLE artwork_embeddings (
    artwork_id bigint PRIMARY KEY REFERENCES artworks (id) ON DELETE CASCADE,
    model text NOT NULL,
    dims integer NOT NULL CHECK (dims > 0),
    embedding real[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL DEFAULT 0,
    CONSTRAINT artwork_embeddings_dims_match CHECK (
      array_ndims(embedding) = 1 AND array_lower(embedding, 1) = 1 AND cardinality(embedding) = dims
      AND array_position(embedding, NULL) IS NULL
    )
  ) WITH (toast_tuple_target = 8160); -- vectors (2 KB at 512 dims) stay in the row: a load reads no TOAST
  ALTER TABLE artwork_embeddings ALTER COLUMN embedding SET STORAGE MAIN;
  CREATE INDEX artwork_embeddings_version_idx ON artwork_embeddings (version);

  CREATE TABLE artwork_embedding_removals (
    version bigint PRIMARY KEY,
    artwork_id bigint NOT NULL
  );

  CREATE FUNCTION artwork_embeddings_stamp() RETURNS trigger AS $fn$
  DECLARE
    v bigint;
  BEGIN
    UPDATE artwork_embedding_version SET version = version + 1 RETURNING version INTO v;
    IF TG_OP = 'DELETE' THEN
      INSERT INTO artwork_embedding_removals (version, artwork_id) VALUES (v, OLD.artwork_id);
      RETURN OLD;
    END IF;
    NEW.version := v;
    RETURN NEW;
  END;
  $fn$ LANGUAGE plpgsql;

  CREATE TRIGGER artwork_embeddings_stamp
    BEFORE INSERT OR UPDATE OR DELETE ON artwork_embeddings
    FOR EACH ROW EXECUTE FUNCTION artwork_embeddings_stamp();
END $$;

-- Down Migration
DO $$
BEGIN
  -- only the core-types table is this migration's; the pgvector one belongs to 1767000300000
  IF to_regclass('artwork_embedding_version') IS NOT NULL THEN
    DROP TABLE IF EXISTS artwork_embeddings;
    DROP FUNCTION IF EXISTS artwork_embeddings_stamp();
    DROP TABLE IF EXISTS artwork_embedding_removals;
    DROP TABLE artwork_embedding_version;
  END IF;
END $$;
