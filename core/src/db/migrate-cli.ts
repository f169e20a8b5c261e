/** `npm run migrate [-- down [N]]`: applies (or reverts) migrations and exits. */
import { loadConfig, loadDotEnv } from '../config/env.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { runMain } from '../run-main.js';

runMain(async () => {
  await loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'migrate');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const [direction = 'up', n] = process.argv.slice(2);
    if (direction !== 'up' && direction !== 'down') throw new Error(`unknown direction ${direction}: use up or down`);
    const ran = await migrate(db, logger, direction, n ? Number(n) : direction === 'down' ? 1 : Infinity);
    console.log(ran.length ? `${direction}: ${ran.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
});
