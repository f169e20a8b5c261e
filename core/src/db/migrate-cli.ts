/** `npm run migrate [-- down [N]]`: applies (or reverts) migrations and exits. */
import { loadConfig, loadDotEnv } from '../config/env.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { runMain } from '../run-main.js';

const USAGE = 'usage: node core/dist/db/migrate-cli.js [up | down [N]]   (default: up, all pending; down: the last 1)';

/** The direction and count, or null after --help; checked before the database is opened. */
function parseLine(argv: string[]): { direction: 'up' | 'down'; count: number } | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const [direction = 'up', n, ...extra] = argv;
  const count = n === undefined ? (direction === 'down' ? 1 : Infinity) : /^[1-9]\d{0,5}$/.test(n) ? Number(n) : NaN;
  if ((direction !== 'up' && direction !== 'down') || Number.isNaN(count) || extra.length) {
    const what = direction !== 'up' && direction !== 'down' ? `unknown direction ${direction}` : 'bad arguments';
    process.stderr.write(`error: ${what}\n${USAGE}\n`);
    process.exit(2);
  }
  return { direction, count };
}

runMain(async () => {
  const line = parseLine(process.argv.slice(2));
  if (!line) return void console.log(USAGE);
  await loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'migrate');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const ran = await migrate(db, logger, line.direction, line.count);
    console.log(ran.length ? `${line.direction}: ${ran.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
});
