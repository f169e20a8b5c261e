import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { createTinyClipModel, type TinyClipModel } from '../testing/tiny-clip-model.js';
import { ClipModelError, createClipEmbedder, normalize, resolveClipSource, type ImageEmbedder } from './clip-embedder.js';
import { ImageRejectedError } from './analyze-image.js';
import { generateDemoImage } from './demo-images.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('CLIP embedder over a tiny model in the transformers.js layout', () => {
  let tiny: TinyClipModel;
  let embedder: ImageEmbedder;
  beforeAll(() => {
    tiny = createTinyClipModel({ dims: 16 });
    embedder = createClipEmbedder({ model: tiny.dir });
  });
  afterAll(async () => {
    await embedder?.close();
    tiny?.remove();
  });

  test('the folder holds config.json, preprocessor_config.json and onnx/vision_model.onnx (a few KB)', () => {
    const onnx = fs.statSync(path.join(tiny.dir, 'onnx', 'vision_model.onnx')).size;
    expect(onnx).toBeGreaterThan(1000);
    expect(onnx).toBeLessThan(16 * 1024);
    expect(JSON.parse(fs.readFileSync(path.join(tiny.dir, 'config.json'), 'utf8')).model_type).toBe('clip');
    expect(fs.existsSync(path.join(tiny.dir, 'preprocessor_config.json'))).toBe(true);
  });

  test('loads from the folder without going remote and reports its size', async () => {
    expect(embedder.model).toBe(`local:${path.basename(tiny.dir)}`);
    expect(await embedder.load()).toBe(16);
    const { env } = await import('@huggingface/transformers');
    expect(env.allowRemoteModels).toBe(false);
    expect(path.resolve(env.localModelPath)).toBe(path.dirname(tiny.dir));
  });

  test('embeddings are unit length, deterministic, and differ between pictures', async () => {
    const [a, b] = await Promise.all([generateDemoImage(1, 'Alice'), generateDemoImage(2, 'Bob')]);
    const ea = await embedder.embed(a);
    const ea2 = await embedder.embed(a);
    const eb = await embedder.embed(b);
    expect(ea).toBeInstanceOf(Float32Array);
    expect(ea.length).toBe(16);
    expect(Math.sqrt(dot(ea, ea))).toBeCloseTo(1, 5);
    expect(Math.sqrt(dot(eb, eb))).toBeCloseTo(1, 5);
    expect(Array.from(ea2)).toEqual(Array.from(ea));
    expect(dot(ea, eb)).toBeLessThan(0.999);
    // a re-encoded copy stays closer to its original than another picture does
    const copy = await sharp(a).resize(450).jpeg({ quality: 60 }).toBuffer();
    expect(dot(ea, await embedder.embed(copy))).toBeGreaterThan(dot(ea, eb));
  });

  test('concurrent calls are served one at a time with the right answers', async () => {
    const imgs = await Promise.all([3, 4, 5, 6].map((i) => generateDemoImage(i, `c${i}`)));
    const together = await Promise.all(imgs.map((b) => embedder.embed(b)));
    for (let i = 0; i < imgs.length; i++) expect(Array.from(together[i]!)).toEqual(Array.from(await embedder.embed(imgs[i]!)));
  });

  test('bad input is an ImageRejectedError, not a model error', async () => {
    await expect(embedder.embed(Buffer.from('not a picture'))).rejects.toBeInstanceOf(ImageRejectedError);
    const tinyPng = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer();
    await expect(embedder.embed(tinyPng)).rejects.toBeInstanceOf(ImageRejectedError);
  });
});

describe('CLIP_MODEL resolution and failures', () => {
  test('an existing folder is a folder, owner/name is a hub id, anything else is an error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-clip-src-'));
    try {
      expect(resolveClipSource(dir)).toEqual({ kind: 'folder', dir });
      expect(resolveClipSource('Xenova/clip-vit-base-patch32')).toEqual({ kind: 'hub', id: 'Xenova/clip-vit-base-patch32' });
      expect(() => resolveClipSource(path.join(dir, 'missing'))).toThrow(ClipModelError);
      expect(() => resolveClipSource('not a model')).toThrow(/CLIP_MODEL/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder without the ONNX file fails to load with a clear message', async () => {
    const tiny = createTinyClipModel();
    fs.rmSync(path.join(tiny.dir, 'onnx'), { recursive: true });
    const e = createClipEmbedder({ model: tiny.dir });
    try {
      await expect(e.load()).rejects.toThrow(/CLIP_MODEL .* could not be loaded/);
    } finally {
      tiny.remove();
    }
  });

  test('normalize rejects an all-zero vector', () => {
    expect(() => normalize(new Float32Array(4))).toThrow(ClipModelError);
    expect(Array.from(normalize(Float32Array.from([3, 4])))).toEqual([0.6000000238418579, 0.800000011920929]);
  });

  test('only clip-embedder.ts imports @huggingface/transformers, and only lazily', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, ent.name);
        if (ent.isDirectory()) {
          if (ent.name !== 'node_modules' && ent.name !== 'dist') walk(p);
        } else if (/\.ts$/.test(ent.name) && !/\.test\.ts$/.test(ent.name)) {
          const src = fs.readFileSync(p, 'utf8');
          if (/from\s+['"]@huggingface\/transformers['"]/.test(src)) offenders.push(path.relative(root, p));
          else if (src.includes("import('@huggingface/transformers')") && !p.endsWith(path.join('images', 'clip-embedder.ts'))) offenders.push(path.relative(root, p));
        }
      }
    };
    for (const pkg of ['core', 'server', 'scraper']) walk(path.join(root, pkg, 'src'));
    expect(offenders).toEqual([]);
  });
});
