import { createLocalImageStore } from '@waifudex/core/storage/local-image-store';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { loadConfig } from '@waifudex/core/config/env';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { createTinyClipModel, type TinyClipModel } from '@waifudex/core/testing/tiny-clip-model';
import { createTestEnv, type TestEnv } from '../testing/test-env.js';
import type { CommandContext } from '../context.js';
import embed from './embed.command.js';

describe('scraper embed (CLIP back-fill)', () => {
  let env: TestEnv;
  let tiny: TinyClipModel;
  let lines: string[];
  const ctxFor = (clipModel: string | undefined): CommandContext => ({
    config: { ...loadConfig({ DATA_DIR: env.imagesDir, IMAGES_DIR: env.imagesDir }), clipModel },
    db: env.db,
    logger: env.logger,
    ingest: env.ingest,
    images: createLocalImageStore(env.imagesDir),
    progress: { isTTY: false, write: (s: string) => void lines.push(s) } as unknown as NodeJS.WriteStream,
  });
  const summaries = async (fn: () => Promise<void>) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await fn();
      return log.mock.calls.map((c) => JSON.parse(String(c[0])) as { embedded: number; failed: number; model: string });
    } finally {
      log.mockRestore();
    }
  };

  beforeAll(async () => {
    env = await createTestEnv();
    tiny = createTinyClipModel({ dims: 8 });
    for (let i = 0; i < 5; i++)
      await env.ingest.ingestImage({ bytes: await generateDemoImage(i + 20, `E${i}`), caption: `Name: E${i}` });
  });
  afterAll(async () => {
    await env?.close();
    tiny?.remove();
  });

  test('embeds every artwork once, with progress; a second run has nothing to do', async () => {
    lines = [];
    const [first] = await summaries(() => embed(['--limit', '3'], ctxFor(tiny.dir)));
    expect(first).toMatchObject({ embedded: 3, failed: 0, model: `local:${path.basename(tiny.dir)}` });
    const [second] = await summaries(() => embed([], ctxFor(tiny.dir)));
    expect(second).toMatchObject({ embedded: 2, failed: 0 });
    expect(lines.at(-1)).toMatch(/embedding \[#+\] 2\/2/);
    const [third] = await summaries(() => embed([], ctxFor(tiny.dir)));
    expect(third).toMatchObject({ embedded: 0, failed: 0 });
    const n = await env.db.query('SELECT count(*)::int AS n, min(dims) AS d FROM artwork_embeddings');
    expect(n.rows[0]).toEqual({ n: 5, d: 8 });
  });

  test('--all recomputes every row; a missing file is counted as failed', async () => {
    const row = await env.db.query('SELECT file_path FROM artworks ORDER BY id LIMIT 1');
    fs.rmSync(path.join(env.imagesDir, row.rows[0].file_path));
    const [s] = await summaries(() => embed(['--all'], ctxFor(tiny.dir)));
    expect(s).toMatchObject({ embedded: 4, failed: 1 });
    process.exitCode = undefined;
  });

  test('without CLIP_MODEL it says what to set', async () => {
    await expect(embed([], ctxFor(undefined))).rejects.toThrow(/CLIP_MODEL is not set/);
  });
});
