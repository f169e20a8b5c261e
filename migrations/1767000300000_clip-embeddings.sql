-- Why: the optional semantic stage of issue 5 (CLIP_MODEL). One L2-normalised CLIP image embedding per
-- artwork, for "same character, different artwork" suggestions (labelled similar, never a match).
--
-- Dimension: CLIP models differ (ViT-B/32 and B/16 → 512, ViT-L/14 → 768, others → anything), and the
-- model is a setting, so the column is an untyped `vector` with its size stored in `dims` (kept honest by
-- a CHECK). HNSW needs a fixed size, so each size gets a partial expression index
--   USING hnsw ((embedding::vector(D)) vector_cosine_ops) WHERE dims = D
-- which is what queries use (`ORDER BY embedding::vector(D) <=> $1::vector(D)` with `dims = D` inlined,
-- see core/src/repos/embeddings.repo.ts). 512 and 768 are created here; any other size is created by
-- the app on first use (ensureEmbeddingStorage, CREATE INDEX IF NOT EXISTS). Rows of an older model stay
-- until `npm run scraper -- embed` replaces them; queries filter on `model`.
--
-- Without pgvector (a PostgreSQL where the extension is not installed) this migration skips cleanly and
-- the feature reports itself disabled. If pgvector is installed later, the app creates the same table on
-- start when CLIP_MODEL is set (ensureEmbeddingStorage in embeddings.repo.ts, CREATE ... IF NOT EXISTS).

-- Up Migration
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
    RAISE NOTICE 'pgvector is not installed: skipping artwork_embeddings (CLIP similarity stays disabled)';
    RETURN;
  END IF;
  CREATE TABLE IF NOT EXISTS artwork_embeddings (
    artwork_id bigint PRIMARY KEY REFERENCES artworks (id) ON DELETE CASCADE,
    model text NOT NULL,
    dims integer NOT NULL CHECK (dims > 0),
    embedding vector NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT artwork_embeddings_dims_match CHECK (vector_dims(embedding) = dims)
  );
  CREATE INDEX IF NOT EXISTS artwork_embeddings_hnsw_512 ON artwork_embeddings
    USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dims = 512;
  CREATE INDEX IF NOT EXISTS artwork_embeddings_hnsw_768 ON artwork_embeddings
    USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE dims = 768;
END $$;

-- Down Migration
DROP TABLE IF EXISTS artwork_embeddings;
