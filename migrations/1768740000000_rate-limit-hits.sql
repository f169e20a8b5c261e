-- Why: several server replicas behind one proxy must share one per-client search budget; counted in
-- memory, each replica would grant its own. UNLOGGED: counters need no crash safety (a crash only
-- resets them early) and skip the WAL on every search.

-- Up Migration
CREATE UNLOGGED TABLE rate_limit_hits (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  reset_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at);

-- Down Migration
DROP TABLE IF EXISTS rate_limit_hits;
