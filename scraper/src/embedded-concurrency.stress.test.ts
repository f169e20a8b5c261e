/**
 * Stress (`npm run test:stress`): the embedded database under the load it really gets, compared with a
 * sequential run of the same work. The built server answers browse and admin requests while two CLI
 * importers and a Telegram sync write at once on one DATA_DIR (embedded-concurrency.test.ts checks that
 * load in `npm test`); here the final gallery must also equal a sequential run's, a second server on the
 * same DATA_DIR must see the same gallery, and a third on a taken port must stop with one clear line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { openDatabase } from '@waifudex/core/db/database';
import { clusterPaths, livePostmaster } from '@waifudex/core/db/embedded-cluster';
import { createLogger } from '@waifudex/core/logger';
import {
  cli,
  concurrentLoad,
  freePort,
  gallery,
  hasGallery,
  loadTestFolder,
  spawnServer,
  stopServer,
  telegramSync,
  writeWork,
} from './testing/embedded-work.js';

const root = loadTestFolder('embedded-concurrency.stress.test', ['concurrent', 'sequential']);
const logger = createLogger('silent');

describe.skipIf(!hasGallery)('embedded database: concurrent writers against a sequential run', () => {
  let server: ChildProcess | undefined;
  afterAll(() => stopServer(server));

  it('loses nothing, mixes up nothing, and ends where a sequential run ends', { timeout: 300_000 }, async () => {
    const work = writeWork(root);
    const conc = { data: path.join(root, 'concurrent', 'data'), images: path.join(root, 'concurrent', 'images') };
    const load = await concurrentLoad(root, conc, work);
    server = load.server;

    // A second server on the same DATA_DIR becomes another client of the same database; on a port that
    // is taken it stops with one clear line.
    const port2 = await freePort();
    const second = spawnServer(root, conc, port2);
    second.stderr!.resume();
    try {
      let total: number | null = null;
      for (let i = 0; i < 240 && total === null; i++) {
        await new Promise((r) => setTimeout(r, 250));
        total = await fetch(`http://127.0.0.1:${port2}/api/v1/characters?per_page=1`).then(
          (r) => (r.ok ? r.json().then((j: { total: number }) => j.total) : null),
          () => null,
        );
      }
      const first = (await (await fetch(`${load.base}/api/v1/characters?per_page=1`)).json()) as { total: number };
      expect(total).toBe(first.total);
    } finally {
      await stopServer(second);
    }
    const clash = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawnServer(root, conc, load.port, {}, 'pipe');
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      c.stderr!.on('data', (d) => (out += d));
      c.on('close', (code) => resolve({ code, out }));
    });
    expect(clash.code).toBe(1);
    expect(clash.out).toMatch(/EADDRINUSE|in use/);
    expect((await fetch(`${load.base}/api/health`)).status).toBe(200); // the first server is unharmed

    const seq = { data: path.join(root, 'sequential', 'data'), images: path.join(root, 'sequential', 'images') };
    expect((await cli(root, seq.data, seq.images, ['import-dir', work.dirImages])).code).toBe(0);
    expect((await cli(root, seq.data, seq.images, ['import-export', work.exportDir])).code).toBe(0);
    await telegramSync(seq.data, seq.images, work);

    const dbC = await openDatabase({ dataDir: conc.data, logger });
    const dbS = await openDatabase({ dataDir: seq.data, logger });
    try {
      const concurrent = await gallery(dbC, conc.images);
      const sequential = await gallery(dbS, seq.images);
      expect(concurrent.length).toBe(100);
      expect(concurrent).toEqual(sequential);
    } finally {
      await dbC.close();
      await dbS.close();
    }
    expect(livePostmaster(clusterPaths(seq.data))).toBeNull(); // the last one out stopped it
  });
});
