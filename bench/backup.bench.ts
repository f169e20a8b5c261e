/**
 * Backup and restore figures: a gallery of BENCH_BACKUP_IMAGES artworks (from ../shared/images/gallery
 * when present, else generated) on the embedded PostgreSQL, written to one archive and restored into a
 * second, empty DATA_DIR. Reports seconds, MB/s of archive and the process's peak RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../core/dist/db/database.js';
import { migrate } from '../core/dist/db/migrate.js';
import { createLogger } from '../core/dist/logger.js';
import { createIngestService } from '../core/dist/services/ingest.service.js';
import { generateDemoImage } from '../core/dist/images/demo-images.js';
import { createBackup } from '../core/dist/services/backup.service.js';
import { restoreBackup } from '../core/dist/services/restore.service.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GALLERY = path.join(repo, '../shared/images/gallery');
const IMAGES = Number(process.env.BENCH_BACKUP_IMAGES ?? 300);

async function* pictures(n: number): AsyncGenerator<{ bytes: Buffer; caption: string }> {
  const jpgs = fs.existsSync(GALLERY)
    ? fs
        .readdirSync(GALLERY)
        .filter((f) => f.endsWith('.jpg'))
        .sort()
    : [];
  for (let i = 0; i < n; i++) {
    if (i < jpgs.length) {
      const f = jpgs[i]!;
      yield {
        bytes: fs.readFileSync(path.join(GALLERY, f)),
        caption: fs.readFileSync(path.join(GALLERY, f.replace(/\.jpg$/, '.txt')), 'utf8'),
      };
    } else {
      yield { bytes: await generateDemoImage(i, `bench${i}`), caption: `Name: Bench ${i}\nAnime: Backups` };
    }
  }
}

export async function runBackupBench(): Promise<Record<string, unknown>> {
  const logger = createLogger('silent', 'bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-bench-backup-'));
  fs.chmodSync(dir, 0o755);
  const archive = path.join(dir, 'gallery.tar.gz');
  const source = await openDatabase({ dataDir: path.join(dir, 'a'), logger });
  try {
    await migrate(source, logger);
    const ingest = createIngestService({ db: source, imagesDir: path.join(dir, 'a-images'), logger });
    for await (const p of pictures(IMAGES)) await ingest.ingestImage(p);
    const t0 = performance.now();
    const manifest = await createBackup({
      db: source,
      imagesDir: path.join(dir, 'a-images'),
      logger,
      out: fs.createWriteStream(archive),
      gzip: true,
    });
    const backupS = (performance.now() - t0) / 1000;
    const mb = fs.statSync(archive).size / 1e6;
    const target = await openDatabase({ dataDir: path.join(dir, 'b'), logger });
    try {
      const t1 = performance.now();
      await restoreBackup({
        db: target,
        imagesDir: path.join(dir, 'b-images'),
        logger,
        input: fs.createReadStream(archive),
      });
      const restoreS = (performance.now() - t1) / 1000;
      return {
        artworks: manifest.counts.artworks,
        files: manifest.files.length,
        archive_mb: Math.round(mb * 10) / 10,
        backup_s: Math.round(backupS * 100) / 100,
        backup_mb_per_s: Math.round((mb / backupS) * 10) / 10,
        restore_s: Math.round(restoreS * 100) / 100,
        restore_mb_per_s: Math.round((mb / restoreS) * 10) / 10,
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        target: 'streams: memory does not grow with the gallery; restore within a few times backup',
      };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
