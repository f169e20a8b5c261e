-- Why: runtime preferences an admin changes in the UI (issue 12: the guess command that the
-- "who is this?" answer offers to copy, e.g. "/guess Nico Robin" or "/grab Robin"). One row per
-- setting, the value a JSON document validated by the app (core/src/repos/settings.repo.ts), so a new
-- setting needs no migration.

-- Up Migration
CREATE TABLE app_settings (
  key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,63}$'),
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE IF EXISTS app_settings;
