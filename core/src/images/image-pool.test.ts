/**
 * The image worker pool on real images: the same analysis as the main thread, on as many threads as it
 * was given, bad input rejected with the same error, and a clean end (close, or a process that simply
 * finishes while idle workers are still there).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { requireBuilt } from '../testing/require-build.js';
import { analyzeImage, ImageRejectedError, type AnalyzeOptions } from './analyze-image.js';
import { generateDemoImage } from './demo-images.js';
import { createImagePool } from './image-pool.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const GALLERY = path.join(repo, '../shared/images/gallery');

/** Demo artworks (600×800) plus, when the shared gallery is there, a few of its JPEGs of every size. */
async function realImages(): Promise<Buffer[]> {
  const demo = await Promise.all([0, 1, 2, 3].map((i) => generateDemoImage(i, `Pool ${i}`)));
  if (!fs.existsSync(GALLERY)) return demo;
  const files = fs
    .readdirSync(GALLERY)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const picked = [0, 0.2, 0.4, 0.6, 0.8, 0.99].map((q) => files[Math.floor(q * files.length)]!);
  return [...demo, ...picked.map((f) => fs.readFileSync(path.join(GALLERY, f)))];
}

const pools: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

function pool(threads: number) {
  const p = createImagePool({ threads });
  pools.push(p);
  return p;
}

async function errorOf(p: Promise<unknown>): Promise<ImageRejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRejectedError);
  return err as ImageRejectedError;
}

describe('image worker pool', () => {
  it('analyses real artworks on two worker threads at once, exactly as the main thread does', async () => {
    const images = await realImages();
    const p = pool(2);
    const fromPool = await Promise.all(images.map((b) => p.analyze(b)));
    // both workers were started for the queue, and every image went through one of them
    expect(p.stats()).toEqual({ running: 2, completed: images.length });
    for (const [i, b] of images.entries()) {
      const here = await analyzeImage(b);
      expect(fromPool[i]).toEqual(here);
      for (const t of fromPool[i]!.thumbnails) expect(Buffer.isBuffer(t.bytes)).toBe(true);
    }
    expect(new Set(fromPool.map((a) => a.sha256)).size).toBe(images.length);
  });

  it('passes the options through (no thumbnails for a reindex)', async () => {
    const [b] = await realImages();
    const a = await pool(1).analyze(b!, { thumbnails: false });
    expect(a.thumbnails).toEqual([]);
    expect(a.features).toEqual((await analyzeImage(b!)).features);
  });

  it('rejects bad images with the ImageRejectedError (code and message) the main thread gives, and keeps working', async () => {
    const p = pool(2);
    const jpeg = await generateDemoImage(7, 'bad input');
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const cases: Array<[string, Buffer, AnalyzeOptions?]> = [
      ['empty', Buffer.alloc(0)],
      ['text', Buffer.from('this is not an image, only some text')],
      ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2))],
      ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>')],
      ['too many pixels', png, { maxPixels: 50_000 }],
      ['too large', png, { maxBytes: 100 }],
      ['too small', await sharp(png).resize(8, 8).png().toBuffer()],
    ];
    for (const [what, bytes, opts] of cases) {
      const there = await errorOf(p.analyze(bytes, opts));
      const here = await errorOf(analyzeImage(bytes, opts));
      expect({ what, code: there.code, message: there.message }).toEqual({ what, code: here.code, message: here.message });
    }
    expect((await p.analyze(jpeg)).sha256).toBe((await analyzeImage(jpeg)).sha256);
  });

  it('close() lets the images in flight finish, then stops the workers and refuses new work', async () => {
    const images = (await realImages()).slice(0, 3);
    const p = createImagePool({ threads: 2 });
    const inFlight = images.map((b) => p.analyze(b));
    await p.close();
    expect((await Promise.all(inFlight)).length).toBe(3);
    expect(p.stats().running).toBe(0);
    await expect(p.analyze(images[0]!)).rejects.toThrow('the image pool is closed');
    await p.close(); // twice is fine
  });

  it('threads 0 analyses on the calling thread, with the same result', async () => {
    const [b] = await realImages();
    const p = pool(0);
    expect(await p.analyze(b!)).toEqual(await analyzeImage(b!));
    expect(p.stats()).toEqual({ running: 0, completed: 0 });
  });

  // The workers load the TypeScript source under tsx (as here under vitest) and the compiled JS in dist.
  // Neither run closes the pool: idle workers must not keep the process alive.
  const script = (modulePath: string) => `
    const { sharedImagePool } = await import(${JSON.stringify(modulePath)});
    const { generateDemoImage } = await import(${JSON.stringify(modulePath.replace('image-pool', 'demo-images'))});
    const bytes = await generateDemoImage(3, 'child');
    const out = await Promise.all([0, 1].map(() => sharedImagePool().analyze(bytes)));
    console.log(out[0].sha256, out[0].thumbnails.length, sharedImagePool().stats().completed);
  `;
  const expected = async () => `${(await analyzeImage(await generateDemoImage(3, 'child'))).sha256} 3 2`;

  it('a process that used the pool from the TypeScript source (tsx) exits on its own', { timeout: 120_000 }, async () => {
    const src = fileURLToPath(new URL('./image-pool.ts', import.meta.url));
    const r = await runNode(['--import', 'tsx', '--input-type=module', '-e', script(src)]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: await expected() });
  });

  it('a process that used the pool from the compiled dist exits on its own', { timeout: 120_000 }, async () => {
    const dist = path.join(repo, 'core/dist/images/image-pool.js');
    requireBuilt(dist);
    const r = await runNode(['--input-type=module', '-e', script(dist)]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: await expected() });
  });
});

/** Runs node in the repo; a child still alive after 90 s (a hang) is killed and fails the test. */
function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout: stdout.trim(), stderr });
    });
  });
}
