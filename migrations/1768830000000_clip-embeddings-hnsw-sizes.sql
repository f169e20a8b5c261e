-- Why: the embeddings schema lives in migrations only (issue 16). Until now a running server created the
-- HNSW index of a model size other than 512 and 768 on first use (CREATE INDEX from the app, as whichever
-- database role it runs with, racing other processes). This migration adds the other common CLIP sizes
-- (1024: ViT-H/14; 1152: SigLIP so400m; 1280: ViT-bigG/14) and the app creates nothing any more: a model
-- of yet another size is still searched, exactly, by a scan of that size's rows (the server logs that
-- it has no index), and a later migration adds its index like these.
--
-- Only where artwork_embeddings is the pgvector table (1767000300000). On a PostgreSQL without pgvector
-- the table is the core-types one (real[], 1768000100000), searched in memory: nothing to index here.

-- Up Migration
DO $$
DECLARE
  d integer;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass('artwork_embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped
       AND t.typname = 'vector'
  ) THEN
    RAISE NOTICE 'artwork_embeddings is not the pgvector table: no HNSW indexes to add';
    RETURN;
  END IF;
  FOREACH d IN ARRAY ARRAY[1024, 1152, 1280] LOOP
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS artwork_embeddings_hnsw_%s ON artwork_embeddings '
      'USING hnsw ((embedding::vector(%s)) vector_cosine_ops) WHERE dims = %s', d, d, d);
  END LOOP;
END $$;

-- Down Migration
DROP INDEX IF EXISTS artwork_embeddings_hnsw_1024;
DROP INDEX IF EXISTS artwork_embeddings_hnsw_1152;
DROP INDEX IF EXISTS artwork_embeddings_hnsw_1280;
