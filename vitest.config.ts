import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const coreSrc = fileURLToPath(new URL('./core/src/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; packages import core by its public path.
    alias: [{ find: /^@waifudex\/core\/(.*)$/, replacement: `${coreSrc}$1` }],
  },
  test: {
    // One PostgreSQL per run, a template migrated once, one database per test file.
    globalSetup: ['core/src/testing/global-setup.ts'],
    include: ['{core,server,scraper}/src/**/*.test.ts', 'web/e2e/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
