import { configDefaults, defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const coreSrc = fileURLToPath(new URL('./core/src/', import.meta.url));
// Minutes-long runs kept out of the developer's `npm test`; `npm run test:docker` / `npm run test:accuracy`
// (and .ci/run) run them by setting WAIFUDEX_SLOW_TESTS=1.
const SLOW_TESTS = ['server/src/deploy/docker-commands.test.ts', 'core/src/images/search-accuracy.test.ts'];
const slow = process.env.WAIFUDEX_SLOW_TESTS === '1';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; packages import core by its public path.
    alias: [{ find: /^@waifudex\/core\/(.*)$/, replacement: `${coreSrc}$1` }],
  },
  test: {
    // One PostgreSQL per run, a template migrated once, one database per test file.
    globalSetup: ['core/src/testing/global-setup.ts'],
    include: ['{core,server,scraper,web}/src/**/*.test.ts', 'web/e2e/**/*.spec.ts'],
    exclude: slow ? configDefaults.exclude : [...configDefaults.exclude, ...SLOW_TESTS],
    // Test files share their worker process instead of a fresh one each: app modules (express, sharp, pg,
    // zod schemas) are loaded once per worker, not once per file (about 40% of the CPU of the route tests).
    // Each file still gets its own database, server and temp folders; file-setup.ts resets what a file can
    // leave on the process.
    isolate: false,
    setupFiles: ['core/src/testing/file-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One file more than the two cores: the slowest files mostly wait on child processes, Chromium and
    // PostgreSQL (a 2-worker run kept the cores about 60% busy), so a third keeps them fed.
    maxWorkers: 3,
  },
});
