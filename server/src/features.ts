/** Wires the feature services and their routers for main.ts (and for tests that want the full stack). */
import type { Router } from 'express';
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';

export interface Features {
  routers: Router[];
  stop(): Promise<void>;
}

export async function createFeatureRouters(deps: { config: Config; db: Db; logger: Logger }): Promise<Features> {
  const routers: Router[] = [];
  const stoppers: Array<() => Promise<void>> = [];
  void deps;
  return {
    routers,
    async stop() {
      for (const s of stoppers.reverse()) await s().catch(() => undefined);
    },
  };
}
