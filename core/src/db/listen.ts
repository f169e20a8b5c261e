/**
 * LISTEN on a channel over a dedicated connection (pooled connections cannot hold a LISTEN), reconnecting
 * after a drop. onNotify is also called after every (re)connect, since notifications sent while the
 * connection was down are lost: the caller catches up from its change log then.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';

export interface Listener {
  close(): Promise<void>;
}

export function listen(pool: pg.Pool, channel: string, onNotify: () => void, logger: Logger): Listener {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 500;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ ...(pool.options as pg.ClientConfig), statement_timeout: 0 } as pg.ClientConfig);
    c.on('notification', () => onNotify());
    c.on('error', (err) => {
      logger.debug({ err, channel }, 'notification connection lost; reconnecting');
      drop(c);
    });
    c.on('end', () => drop(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      client = c;
      delay = 500;
      onNotify();
    } catch (err) {
      logger.debug({ err, channel }, 'cannot listen for notifications yet');
      drop(c);
    }
  };
  const drop = (c: pg.Client) => {
    if (client === c) client = null;
    // catch: a broken connection may fail to end; it is dropped either way
    void c.end().catch(() => undefined);
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, 30_000);
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      // catch: closing: a broken connection may fail to end
      await c?.end().catch(() => undefined);
    },
  };
}
