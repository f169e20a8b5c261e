/**
 * The embedded database under the load it really gets: the built server answering browse and admin
 * requests while two CLI importers (import-dir, import-export) and a Telegram sync (the fake source, with
 * its own pool, as the embedded worker has) write at once, all on one DATA_DIR. Zero errors, no request
 * answered with another client's rows (a never-issued session cookie stays unauthenticated), every
 * artwork stored once with its file; and a kill -9 of the importer that started the database, then a
 * re-run. The comparison with a sequential run of the same work, a second server on the same DATA_DIR and
 * one on a taken port are the stress version (embedded-concurrency.stress.test.ts, `npm run test:stress`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '@waifudex/core/db/database';
import { createLogger } from '@waifudex/core/logger';
import { sweepOrphanFiles } from '@waifudex/core/services/image-orphans.service';
import {
  childEnv,
  cli,
  concurrentLoad,
  gallery,
  hasGallery,
  loadTestFolder,
  scraperMain,
  stopServer,
  writeWork,
  type Work,
} from './testing/embedded-work.js';

const root = loadTestFolder('embedded-concurrency.test', ['concurrent', 'killed']);
const logger = createLogger('silent');

let built: Work | undefined;
const buildWork = () => (built ??= writeWork(root));

describe.skipIf(!hasGallery)('embedded database: server, two importers and a sync at once', () => {
  let server: ChildProcess | undefined;
  afterAll(() => stopServer(server));

  it('loses nothing, doubles nothing, mixes up nothing, leaves no orphan file', { timeout: 300_000 }, async () => {
    const work = buildWork();
    const conc = { data: path.join(root, 'concurrent', 'data'), images: path.join(root, 'concurrent', 'images') };
    server = (await concurrentLoad(root, conc, work)).server;

    const db = await openDatabase({ dataDir: conc.data, logger });
    try {
      const stored = await gallery(db, conc.images); // every file matches its row
      expect(stored.length).toBe(100);
      expect(new Set(stored.map((x) => x.split(' ')[0])).size).toBe(100); // each picture once
      const hidden = await db.query('SELECT count(*)::int AS n FROM characters WHERE hidden');
      expect(hidden.rows[0].n).toBe(0); // no random-cookie PATCH landed
      const orphans = fs.readdirSync(conc.images, { recursive: true }).filter((f) => String(f).includes('.tmp'));
      expect(orphans).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it(
    'kill -9 of the importer that started the database, then a re-run: nothing lost, nothing doubled, no orphan file',
    { timeout: 300_000 },
    async () => {
      const work = buildWork();
      const k = { data: path.join(root, 'killed', 'data'), images: path.join(root, 'killed', 'images') };
      const child = spawn(process.execPath, [scraperMain, 'import-dir', work.dirImages], {
        cwd: root,
        env: childEnv({ DATA_DIR: k.data, IMAGES_DIR: k.images }),
        stdio: 'ignore',
      });
      // listened to from the start: a child that ended before the kill has already sent its 'close'
      const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
      let exitedEarly = false;
      void closed.then(() => (exitedEarly = true));
      const watcher = await (async () => {
        for (;;) {
          try {
            return await openDatabase({ dataDir: k.data, logger });
          } catch {
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      })();
      try {
        let committed = 0;
        for (let i = 0; i < 1200 && committed < 8; i++) {
          await new Promise((r) => setTimeout(r, 50));
          committed = await watcher.query('SELECT count(*)::int AS n FROM artworks').then(
            (r) => r.rows[0].n,
            () => 0,
          );
        }
        const beforeKill = exitedEarly;
        child.kill('SIGKILL');
        await closed;
        expect(beforeKill, 'the importer finished before it could be killed mid-import').toBe(false);
        const atKill = (await watcher.query('SELECT count(*)::int AS n FROM artworks')).rows[0].n;
        expect(atKill).toBeGreaterThanOrEqual(committed);
        expect(atKill).toBeLessThan(40); // killed mid-import
        const again = await cli(root, k.data, k.images, ['import-dir', work.dirImages]);
        expect(again.code, again.stderr).toBe(0);
        const rows = await watcher.query<{ n: number; shas: number }>(
          'SELECT count(*)::int AS n, count(DISTINCT sha256)::int AS shas FROM artworks',
        );
        expect(rows.rows[0]).toEqual({ n: 40, shas: 40 });
        expect((await gallery(watcher, k.images)).length).toBe(40); // every file matches its row
        await sweepOrphanFiles(watcher, k.images, 0);
        const files = fs
          .readdirSync(path.join(k.images, 'originals'), { recursive: true })
          .filter((f) => /\.\w+$/.test(String(f)));
        expect(files.length).toBe(40);
      } finally {
        await watcher.close();
      }
    },
  );
});
