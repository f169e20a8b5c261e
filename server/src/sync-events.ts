/**
 * Live sync progress for the admin panel. The worker (another process) writes sync_runs and a trigger
 * NOTIFYs `sync_progress`; one LISTEN connection per server, opened while someone watches, reloads the
 * state (debounced) and hands it to every subscriber when it changed. A slow poll is the safety net for
 * a dropped notification and keeps the ETA current.
 */
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import { listen, type Listener } from '@waifudex/core/db/listen';

export interface SyncEventHub {
  /** Calls `send` with the current state at once and on every change; returns the unsubscribe. */
  subscribe(send: (json: string) => void): () => void;
  close(): Promise<void>;
}

export interface SyncEventHubOptions {
  db: Db;
  logger: Logger;
  load: () => Promise<unknown>;
  debounceMs?: number;
  pollMs?: number;
}

export function createSyncEventHub(o: SyncEventHubOptions): SyncEventHub {
  const subscribers = new Set<(json: string) => void>();
  let listener: Listener | null = null;
  let poll: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let last = '';
  let loading = false;
  let again = false;

  const reload = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const json = JSON.stringify(await o.load());
      if (json !== last) {
        last = json;
        for (const send of subscribers) send(json);
      }
    } catch (err) {
      o.logger.warn({ err }, 'cannot load the sync state for live updates');
    } finally {
      loading = false;
      if (again) {
        again = false;
        void reload();
      }
    }
  };
  const soon = () => {
    if (debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      void reload();
    }, o.debounceMs ?? 150);
  };
  const stop = async () => {
    clearInterval(poll);
    clearTimeout(debounce);
    debounce = undefined;
    const l = listener;
    listener = null;
    last = '';
    await l?.close();
  };

  return {
    subscribe(send) {
      subscribers.add(send);
      if (!listener) {
        listener = listen(o.db.pool, 'sync_progress', soon, o.logger);
        poll = setInterval(soon, o.pollMs ?? 5000);
        poll.unref();
      }
      // the newcomer gets the state now, whether or not it changed for the others
      void o.load().then(
        (s) => subscribers.has(send) && send(JSON.stringify(s)),
        () => undefined,
      );
      return () => {
        subscribers.delete(send);
        if (subscribers.size === 0) void stop();
      };
    },
    async close() {
      subscribers.clear();
      await stop();
    },
  };
}
