/**
 * Admin bulk actions and the trash at 10k characters (one artwork row each) on the embedded PostgreSQL:
 * "select all matching" → set anime, hide, delete to the trash, undo, and the purge. The same service
 * calls as POST /api/v1/admin/characters/bulk and /api/v1/admin/trash/restore.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../core/dist/db/database.js';
import { migrate } from '../core/dist/db/migrate.js';
import { createLogger } from '../core/dist/logger.js';
import { createTrashService } from '../core/dist/services/trash.service.js';
import { createCharacterBulkService } from '../core/dist/services/character-bulk.service.js';
import { listAdminCharacterIds } from '../core/dist/repos/admin-queries.repo.js';

const N = 10_000;

export async function runAdminBulkBench(): Promise<Record<string, unknown>> {
  const logger = createLogger('silent', 'bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-bench-bulk-'));
  fs.chmodSync(dir, 0o755);
  const db = await openDatabase({ dataDir: path.join(dir, 'data'), logger });
  try {
    await migrate(db, logger);
    await db.query(
      `INSERT INTO characters (name, anime, rarity, name_search, anime_search, raw_caption)
      SELECT 'Bulk ' || i, 'Old', 'Common', 'bulk ' || i, 'old', 'Name: Bulk ' || i FROM generate_series(1, $1) i`,
      [N],
    );
    await db.query(`INSERT INTO artworks (character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime)
      SELECT id, 'originals/00/' || id || '.jpg', 'thumbs/00/' || id || '.webp', md5(id::text) || md5(id::text), B'0'::bit(64), 600, 800, 1000, 'image/jpeg' FROM characters`);
    const imagesDir = path.join(dir, 'images');
    const trash = createTrashService({ db, imagesDir, retentionDays: 30 });
    const bulk = createCharacterBulkService({ db, trash, maxItems: N });
    const filter = { q: 'bulk' };
    const time = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return Math.round(performance.now() - t0);
    };
    let ids: string[] = [];
    const out = {
      characters: N,
      list_all_matching_ids_ms: await time(() => listAdminCharacterIds(db, { search: 'bulk' }, N)),
      set_anime_all_matching_ms: await time(() => bulk.run({ action: 'set', fields: { anime: 'New' }, filter })),
      hide_all_matching_ms: await time(() => bulk.run({ action: 'hide', filter })),
      delete_to_trash_ms: await time(async () => (ids = (await bulk.run({ action: 'delete', filter })).ids)),
      undo_restore_ms: await time(() => trash.restore(ids)),
      purge_ms: 0,
    };
    await bulk.run({ action: 'delete', filter });
    out.purge_ms = await time(() => trash.purge(new Date(Date.now() + 31 * 86_400_000)));
    const left = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM characters')).rows[0]!.n;
    return {
      ...out,
      left_after_purge: left,
      note: 'each action one request; purge in batches of 200 rows, files removed after each commit',
    };
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
