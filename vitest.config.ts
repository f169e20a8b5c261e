import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const coreSrc = fileURLToPath(new URL('./core/src/', import.meta.url));
// Minutes-long runs kept out of the developer's `npm test`; `npm run test:docker` / `npm run test:accuracy` /
// `npm run test:stress` (and .ci/run) run them by setting WAIFUDEX_SLOW_TESTS=1. A `*.stress.test.ts` is the
// heavier version of a load test whose plain version stays in `npm test`.
const SLOW_TESTS = [
  'server/src/deploy/docker-commands.test.ts',
  'core/src/images/search-accuracy.test.ts',
  '**/*.stress.test.ts',
];
const slow = process.env.WAIFUDEX_SLOW_TESTS === '1';

/**
 * The slowest files, in seconds on an idle 2-core box (they mostly wait on child processes, PostgreSQL and
 * Chromium). Update when a file joins or leaves the top of a run's durations.
 */
const SLOW_FILES: Record<string, number> = {
  'web/e2e/who-is-this-phone.spec.ts': 42,
  'web/e2e/gallery-search.spec.ts': 39,
  'core/src/images/search-index.test.ts': 22,
  'scraper/src/embedded-concurrency.test.ts': 21,
  'core/src/services/image-search.service.test.ts': 15,
  'scraper/src/commands/backup.command.test.ts': 14,
  'core/src/db/legacy-pglite.test.ts': 14,
  'core/src/db/embedded-cluster.test.ts': 14,
  'web/e2e/curation.spec.ts': 13,
  'web/e2e/visitors.spec.ts': 12,
  'core/src/services/backup-restore.test.ts': 12,
  'core/src/images/image-pool.test.ts': 11,
  'web/e2e/gallery.spec.ts': 9,
  'web/e2e/first-paint.spec.ts': 9,
  'web/e2e/admin-bulk-trash.spec.ts': 9,
  'scraper/src/export/export-shapes.test.ts': 9,
  'server/src/routes/gallery-paging.test.ts': 9,
  'server/src/routes/curation.routes.test.ts': 7,
  'server/src/search-flood.test.ts': 7,
  'web/e2e/admin.spec.ts': 7,
  'web/e2e/telegram-login.spec.ts': 7,
  'server/src/replicas.test.ts': 6,
  'server/src/deploy/docker-compose.test.ts': 6,
  'web/e2e/channels.spec.ts': 6,
  'scraper/src/sync/live-soak.test.ts': 6,
};

/**
 * Slowest files first, so that a run does not end on one long file while the other workers idle. vitest
 * orders by the durations it recorded in an earlier run (node_modules/.vite); without them (a fresh clone,
 * CI) it orders by file size, which starts some of the slowest files last: SLOW_FILES stands in for them.
 */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const recorded = (f: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${f.project.name}:${path.relative(this.ctx.config.root, f.moduleId)}`);
    if (ordered.every(recorded)) return ordered;
    const seconds = (f: TestSpecification) =>
      SLOW_FILES[path.relative(this.ctx.config.root, f.moduleId)] ?? (recorded(f)?.duration ?? 0) / 1000;
    return ordered
      .map((f, i) => ({ f, i, s: seconds(f) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map(({ f }) => f);
  }
}

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
    sequence: { sequencer: SlowestFirst },
    // Two files per core: the slowest files mostly wait on child processes, Chromium, PostgreSQL and their
    // own threads: 3 workers kept an idle 2-core box's cores about 60% busy, and in a 4-worker run the
    // files' main threads were still blocked (neither running nor waiting for a core) 55% of the time.
    maxWorkers: 4,
  },
});
