/**
 * Who is using the embedded cluster. Every process that opens it holds a shared advisory lock on one
 * dedicated connection for as long as it runs; a process that leaves trades its shared lock for an
 * exclusive one, and only when that succeeds (nobody else is there) stops the cluster. A process killed
 * with -9 drops its connection, and so its lock, by itself. One arriving while the cluster stops waits on
 * the exclusive lock, is disconnected by the shutdown, and starts the cluster again.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import { socketConfig, stopCluster, type ClusterPaths } from './embedded-cluster.js';

const PRESENCE_KEY = [0x5744_5850, 0] as const; // "WDXP"

export interface Presence {
  /** Leaves; stops the cluster when this was the last process using it. */
  leave(): Promise<void>;
}

/** Joins the cluster's users; throws when the cluster went away meanwhile (the caller retries). */
export async function joinCluster(paths: ClusterPaths, logger: Logger): Promise<Presence> {
  const client = new pg.Client({
    ...socketConfig(paths),
    application_name: 'waifudex-presence',
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query("SET lock_timeout = '30s'");
    await client.query('SELECT pg_advisory_lock_shared($1::int4, $2::int4)', [...PRESENCE_KEY]);
  } catch (err) {
    // catch: the lock error below is the one to report
    await client.end().catch(() => undefined);
    throw err;
  }
  let left = false;
  return {
    async leave() {
      if (left) return;
      left = true;
      try {
        await client.query('SELECT pg_advisory_unlock_shared($1::int4, $2::int4)', [...PRESENCE_KEY]);
        const r = await client.query<{ last: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS last', [
          ...PRESENCE_KEY,
        ]);
        if (r.rows[0]?.last) await stopCluster(paths, logger);
        else logger.debug('the embedded database stays up for the other processes using it');
      } catch (err) {
        logger.debug({ err }, 'leaving the embedded database');
      } finally {
        // catch: leaving: a connection that already died has released its lock
        await client.end().catch(() => undefined);
      }
    },
  };
}
