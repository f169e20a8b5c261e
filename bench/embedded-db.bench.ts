/**
 * Embedded PostgreSQL figures: the gallery's text search at 100k characters (a name query with a typo,
 * through the same repo call as GET /api/v1/characters) and import throughput while the built server runs
 * beside the importer on the same DATA_DIR. The search is the repo call behind GET /api/v1/characters.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../core/dist/db/database.js';
import { migrate } from '../core/dist/db/migrate.js';
import { createLogger } from '../core/dist/logger.js';
import { searchCharacters } from '../core/dist/repos/character-search.repo.js';
import { normalizeForSearch } from '../core/dist/captions/parse-caption.js';
import { createIngestService } from '../core/dist/services/ingest.service.js';
import { generateDemoImage } from '../core/dist/images/demo-images.js';
import { typo, word } from './synthetic-names.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHARACTERS = 100_000;
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const IMPORTS = 120;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function runEmbeddedDbBench(): Promise<Record<string, unknown>> {
  const logger = createLogger('silent', 'bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-bench-db-'));
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const imagesDir = path.join(dir, 'images');
  const db = await openDatabase({ dataDir, logger });
  const out: Record<string, unknown> = {};
  try {
    await migrate(db, logger);
    const r = rng(7);
    const names: string[] = [];
    for (let i = 0; i < CHARACTERS; i++) names.push(`${word(r)} ${word(r)}`);
    const t0 = performance.now();
    for (let i = 0; i < names.length; i += 5000) {
      const chunk = names.slice(i, i + 5000);
      const anime = chunk.map(() => `${word(r)} ${word(r, 2)}`);
      await db.query(
        `INSERT INTO characters (name, anime, rarity, name_search, anime_search)
         SELECT n, a, 'Rare', lower(n), lower(a) FROM unnest($1::text[], $2::text[]) AS t(n, a)`,
        [chunk, anime],
      );
    }
    await db.query('ANALYZE characters');
    out.characters = CHARACTERS;
    out.fill_seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < QUERIES; i++) {
      const target = names[Math.floor(r() * names.length)]!;
      const q = normalizeForSearch(typo(target, r));
      const s = performance.now();
      const res = await searchCharacters(db, { text: q, emojis: [] }, { page: 1, perPage: 24, sort: 'relevance' });
      times.push(performance.now() - s);
      if (res.items.some((c: { name: string | null }) => c.name === target)) found++;
    }
    out.text_search_typo_p50_ms = pct(times, 0.5).toFixed(1);
    out.text_search_typo_p99_ms = pct(times, 0.99).toFixed(1);
    out.text_search_typo_found_on_first_page = `${((100 * found) / QUERIES).toFixed(0)}%`;
    out.text_search_target = 'p50 <= 20 ms at 100k characters';
  } finally {
    await db.close();
  }

  // Import throughput with the server running beside it on the same DATA_DIR.
  const serverMain = path.join(repo, 'server/dist/main.js');
  if (fs.existsSync(serverMain)) {
    const port = await freePort();
    const server = spawn(process.execPath, [serverMain], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        IMAGES_DIR: imagesDir,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PASSWORD: 'bench password 123',
      },
      stdio: 'ignore',
    });
    try {
      let up = false;
      for (let i = 0; i < 240 && !up; i++) {
        await new Promise((res) => setTimeout(res, 250));
        up = await fetch(`http://127.0.0.1:${port}/api/health`).then(
          (x) => x.ok,
          () => false,
        );
      }
      const images = await Promise.all(
        Array.from({ length: IMPORTS }, (_, i) => generateDemoImage(1000 + i, `Bench ${i}`)),
      );
      const db2 = await openDatabase({ dataDir, logger });
      try {
        const ingest = createIngestService({ db: db2, imagesDir, logger });
        const s = performance.now();
        let next = 0;
        await Promise.all(
          [0, 1].map(async () => {
            while (next < images.length) {
              const i = next++;
              await ingest.ingestImage({
                bytes: images[i]!,
                caption: `Name: Bench ${i}\nAnime: Bench Series\nRarity: Rare`,
              });
            }
          }),
        );
        out.import_with_server_images_per_second = (IMPORTS / ((performance.now() - s) / 1000)).toFixed(1);
        out.import_note = `${IMPORTS} generated images, 2 in flight, the server running on the same DATA_DIR`;
      } finally {
        await db2.close();
      }
    } finally {
      server.kill('SIGTERM');
      await new Promise((res) => server.once('exit', res));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}
