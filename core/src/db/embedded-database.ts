/** Opens a pool on the embedded cluster in DATA_DIR (starting it when no process runs it yet). */
import pg from 'pg';
import type { Logger } from '../logger.js';
import {
  clusterAnswers,
  ensureClusterRunning,
  livePostmaster,
  socketConfig,
  type ClusterPaths,
} from './embedded-cluster.js';
import { joinCluster, type Presence } from './embedded-presence.js';
import { wrapPool, type Db } from './database.js';
import { DatabaseUnavailableError } from './errors.js';

export interface EmbeddedOptions {
  dataDir: string;
  logger: Logger;
  pool: pg.PoolConfig;
}

export async function openEmbedded(opts: EmbeddedOptions): Promise<Db> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const { paths, started } = await ensureClusterRunning({ dataDir: opts.dataDir, logger: opts.logger });
    let presence: Presence;
    try {
      presence = await joinCluster(paths, opts.logger);
    } catch (err) {
      // The cluster was stopping as we arrived: wait for it to go (or to answer again), then start or join it.
      lastError = err;
      await waitUntilSettled(paths);
      continue;
    }
    if (started) opts.logger.info({ dataDir: paths.root }, 'embedded database started');
    const pool = new pg.Pool({ ...socketConfig(paths), ...opts.pool });
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      // catch: the connection error below is the one to report
      await pool.end().catch(() => undefined);
      await presence.leave();
      throw new DatabaseUnavailableError(
        `Cannot connect to the embedded database in ${paths.root}: ${(err as Error).message}`,
      );
    }
    return wrapPool(pool, 'embedded', `embedded:${paths.root}`, () => presence.leave());
  }
  throw new DatabaseUnavailableError(
    `Cannot join the embedded database in ${opts.dataDir}: ${(lastError as Error)?.message}`,
  );
}

async function waitUntilSettled(paths: ClusterPaths): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (livePostmaster(paths) && !(await clusterAnswers(paths)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
}
