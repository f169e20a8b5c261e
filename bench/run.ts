/**
 * `npm run bench`: prints the project's speed and memory figures. Each section lives with its feature
 * (captions, image search); this file only runs them and prints.
 */
import os from 'node:os';

type Section = { name: string; run: () => Promise<Record<string, unknown>> };

const sections: Section[] = [
  {
    name: 'caption parser',
    run: async () => {
      const { benchCaptions } = await import('../core/dist/captions/bench-captions.js');
      const r = benchCaptions();
      return { captions_per_second: Math.round(r.captionsPerSecond), captions: r.n, target: '>= 50000/s on one core' };
    },
  },
  {
    name: 'embedded database',
    run: async () => {
      const mod = await import('./embedded-db.bench.js');
      return mod.runEmbeddedDbBench();
    },
  },
  {
    name: 'admin bulk actions and trash',
    run: async () => {
      const mod = await import('./admin-bulk.bench.js');
      return mod.runAdminBulkBench();
    },
  },
  {
    name: 'clip similarity in memory',
    run: async () => {
      const mod = await import('./clip-search.bench.js');
      return mod.runClipSearchBench();
    },
  },
  {
    name: 'backup and restore',
    run: async () => {
      const mod = await import('./backup.bench.js');
      return mod.runBackupBench();
    },
  },
  {
    name: 'image search',
    run: async () => {
      const mod = await import('./image-search.bench.js');
      return mod.runImageSearchBench();
    },
  },
  {
    name: 'ingest',
    run: async () => {
      const mod = await import('./ingest.bench.js');
      return mod.runIngestBench();
    },
  },
  {
    name: 'data-quality queue',
    run: async () => {
      const mod = await import('./quality-queue.bench.js');
      return mod.runQualityQueueBench();
    },
  },
  {
    name: 'scale',
    run: async () => {
      const mod = await import('./scale.bench.js');
      return mod.runScaleBench(scaleN);
    },
  },
  {
    name: 'candidate stage',
    run: async () => {
      const mod = await import('./candidate-stage.bench.js');
      return mod.runCandidateStageBench(scaleN);
    },
  },
  {
    // characters and artworks only (no image index): quicker to fill than the scale section
    name: 'text search and paging',
    run: async () => {
      const mod = await import('./scale-text.js');
      return mod.runTextSearchBench(nAt >= 0 ? scaleN : undefined, keepDb);
    },
  },
  {
    name: 'http abuse',
    run: async () => {
      const mod = await import('./http.bench.js');
      return mod.runHttpBench();
    },
  },
  {
    name: 'web app on slow 4G',
    run: async () => {
      const mod = await import('./web-slow4g.bench.js');
      return mod.runWebSlow4gBench();
    },
  },
  {
    name: 'visitor collections and webhooks',
    run: async () => {
      const mod = await import('./collection.bench.js');
      return mod.runCollectionBench();
    },
  },
  {
    name: 'telegram bot',
    run: async () => {
      const mod = await import('./telegram-bot.bench.js');
      return mod.runTelegramBotBench();
    },
  },
];

// `--n N`: artworks and characters of the scale section (default 1M); other words pick sections
const args = process.argv.slice(2);
const nAt = args.indexOf('--n');
const scaleN = nAt >= 0 ? Number(args[nAt + 1]) : 1_000_000;
if (!Number.isInteger(scaleN) || scaleN < 1000) {
  console.error('error: --n wants a whole number ≥ 1000');
  process.exit(2);
}
// `--db DIR`: the text search section keeps its filled database there and reuses it
const dbAt = args.indexOf('--db');
const keepDb = dbAt >= 0 ? args[dbAt + 1] : undefined;
if (dbAt >= 0 && !keepDb) {
  console.error('error: --db wants a directory');
  process.exit(2);
}
const flagged = [nAt, dbAt].filter((i) => i >= 0).flatMap((i) => [i, i + 1]);
const only = args.filter((_, i) => !flagged.includes(i));
// Sections that start the app (startTestServer) need the test database server that vitest's global setup
// starts for a test run: start the same one here, once, and stop it at the end.
const { default: setupTestDatabase } = await import('../core/src/testing/global-setup.js');
const stopTestDatabase = process.env.WDX_TEST_SERVER_URL ? async () => undefined : await setupTestDatabase();
console.log(`Waifudex benchmarks — node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);
for (const s of sections) {
  if (only.length && !only.some((o) => s.name.includes(o))) continue;
  const started = Date.now();
  try {
    const figures = await s.run();
    console.log(`\n## ${s.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const [k, v] of Object.entries(figures))
      console.log(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  } catch (err) {
    console.log(`\n## ${s.name}: FAILED — ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
await stopTestDatabase();
