-- Why: reverse image search (issue 5). Per-artwork signatures used by the in-memory search index
-- (pHash/dHash/crop pHashes, iqdb-style Haar signature, a small grey verification image), tagged with
-- the algorithm version so `npm run reindex` can recompute old rows. A change log fed by triggers lets
-- every process (server, scraper) keep its in-memory index current by polling one indexed max(id):
-- LISTEN/NOTIFY is not available over PGlite.

-- Up Migration
CREATE TABLE artwork_image_features (
  artwork_id bigint PRIMARY KEY REFERENCES artworks (id) ON DELETE CASCADE,
  algo_version integer NOT NULL,
  -- binary blob, layout defined in core/src/images/signatures.ts (serializeFeatures)
  features bytea NOT NULL,
  -- handy for ad-hoc SQL/admin tools (pgvector's <~> works on bit strings too)
  dhash bit(64) NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artwork_image_features_version ON artwork_image_features (algo_version);

CREATE TABLE image_index_changes (
  id bigserial PRIMARY KEY,
  artwork_id bigint NOT NULL,
  op text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION image_index_log_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO image_index_changes (artwork_id, op) VALUES (OLD.id, 'delete');
    RETURN OLD;
  END IF;
  INSERT INTO image_index_changes (artwork_id, op) VALUES (NEW.id, lower(TG_OP));
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION image_index_log_features_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO image_index_changes (artwork_id, op) VALUES (OLD.artwork_id, 'features');
    RETURN OLD;
  END IF;
  INSERT INTO image_index_changes (artwork_id, op) VALUES (NEW.artwork_id, 'features');
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER artworks_image_index_change
  AFTER INSERT OR DELETE OR UPDATE OF character_id, is_current, hidden, sha256 ON artworks
  FOR EACH ROW EXECUTE FUNCTION image_index_log_change();

CREATE TRIGGER artwork_image_features_change
  AFTER INSERT OR UPDATE OR DELETE ON artwork_image_features
  FOR EACH ROW EXECUTE FUNCTION image_index_log_features_change();

-- Down Migration
DROP TRIGGER IF EXISTS artwork_image_features_change ON artwork_image_features;
DROP TRIGGER IF EXISTS artworks_image_index_change ON artworks;
DROP FUNCTION IF EXISTS image_index_log_features_change();
DROP FUNCTION IF EXISTS image_index_log_change();
DROP TABLE IF EXISTS image_index_changes;
DROP TABLE IF EXISTS artwork_image_features;
