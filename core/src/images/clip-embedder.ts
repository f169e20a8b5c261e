/**
 * CLIP image embeddings for the optional "similar artwork" stage (issue 5, CLIP_MODEL).
 *
 * The only module that touches @huggingface/transformers, and only through a dynamic import on the first
 * embedding, so a process without CLIP_MODEL never loads it (nor onnxruntime). The model is a
 * transformers.js folder (config.json, preprocessor_config.json, onnx/vision_model.onnx) or a hub id
 * such as `Xenova/clip-vit-base-patch32`:
 *   - folder → `env.localModelPath` = its parent, `env.allowRemoteModels = false` (never downloads);
 *   - hub id → downloads once into `cacheDir` (DATA_DIR/models by default wiring) and reuses it.
 * Images are decoded by the same hardened decoder as everything else (limits, EXIF, first frame, alpha
 * on white); bad input throws ImageRejectedError. Embeddings are L2-normalised Float32Arrays.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { Config } from '../config/env.js';
import { decodeImage, type DecodeOptions } from './analyze-image.js';
import { UserError } from '../errors.js';

export interface ImageEmbedder {
  /** Identity stored with each embedding (`local:<folder name>` or the hub id). */
  readonly model: string;
  /** Loads the model (once) and returns the embedding size. */
  load(): Promise<number>;
  /** L2-normalised embedding of an image; throws ImageRejectedError for bad input. */
  embed(bytes: Buffer): Promise<Float32Array>;
  /** Frees the ONNX session. */
  close(): Promise<void>;
}

export interface ClipEmbedderOptions {
  /** CLIP_MODEL: a folder in the transformers.js layout, or a Hugging Face hub id. */
  model: string;
  /** Download cache for hub models (default: transformers.js' own cache in node_modules). */
  cacheDir?: string;
  /** ONNX weights: 'fp32' (default, onnx/vision_model.onnx), 'q8' (vision_model_quantized.onnx), … */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Decoder limits (MAX_UPLOAD_BYTES / MAX_IMAGE_PIXELS). */
  decode?: DecodeOptions;
  /** ONNX Runtime intra-op threads (default 1: ingest and searches share two cores). */
  threads?: number;
  logger?: Logger;
}

/** Raised when CLIP_MODEL cannot be loaded; the message says what to fix. */
export class ClipModelError extends UserError {
  override name = 'ClipModelError';
}

const HUB_ID = /^[\w.-]+\/[\w.-]+$/;
const LOCAL_NAME = /^[\w.-]{1,96}$/;

/** How CLIP_MODEL is read: an existing folder wins over a hub id of the same spelling. */
export function resolveClipSource(model: string): { kind: 'folder'; dir: string } | { kind: 'hub'; id: string } {
  const dir = path.resolve(model);
  if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) return { kind: 'folder', dir };
  if (HUB_ID.test(model) && !model.includes('..') && !model.includes('--')) return { kind: 'hub', id: model };
  throw new ClipModelError(`CLIP_MODEL "${model}" is neither an existing folder nor a hub id like Xenova/clip-vit-base-patch32`);
}

/**
 * The embedder CLIP_MODEL names, as the server and the CLI run it (the model cached in DATA_DIR/models,
 * images decoded within the upload limits), or null when CLIP_MODEL is not set.
 */
export function clipEmbedderFor(
  config: Pick<Config, 'clipModel' | 'dataDir' | 'maxUploadBytes' | 'maxImagePixels'>,
  logger: Logger,
): ImageEmbedder | null {
  if (!config.clipModel) return null;
  return createClipEmbedder({
    model: config.clipModel,
    cacheDir: path.join(config.dataDir, 'models'),
    decode: { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels },
    logger,
  });
}

/** Creates an embedder; nothing is loaded until load() or the first embed(). */
export function createClipEmbedder(opts: ClipEmbedderOptions): ImageEmbedder {
  const source = resolveClipSource(opts.model);
  const modelId = source.kind === 'folder' ? `local:${path.basename(source.dir)}` : source.id;
  type Loaded = {
    run(image: { data: Uint8Array; width: number; height: number }): Promise<Float32Array>;
    dims: number;
    dispose(): Promise<void>;
  };
  let loading: Promise<Loaded> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  async function loadModel(): Promise<Loaded> {
    const started = Date.now();
    // An optional dependency: Docker's lean images (the default target) leave it out.
    const tf = await import('@huggingface/transformers').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
      const missing = /Cannot find (?:package|module) '([^']+)'/.exec(err.message)?.[1] ?? '@huggingface/transformers';
      throw new ClipModelError(`CLIP_MODEL is set but the CLIP runtime is not installed (${missing} is missing): use the runtime-clip Docker target, or npm ci with optional dependencies`);
    });
    const { env } = tf;
    env.allowLocalModels = true;
    let id: string;
    if (source.kind === 'folder') {
      const name = path.basename(source.dir);
      if (!LOCAL_NAME.test(name) || name.includes('..') || name.includes('--')) {
        throw new ClipModelError(`CLIP_MODEL folder name "${name}" must use only letters, digits, '.', '_' or '-'`);
      }
      for (const f of ['config.json', 'preprocessor_config.json']) {
        if (!fs.existsSync(path.join(source.dir, f))) throw new ClipModelError(`CLIP_MODEL folder ${source.dir} has no ${f}`);
      }
      env.allowRemoteModels = false;
      env.localModelPath = path.dirname(source.dir) + path.sep;
      id = name;
    } else {
      env.allowRemoteModels = true;
      if (opts.cacheDir) {
        fs.mkdirSync(opts.cacheDir, { recursive: true });
        env.cacheDir = opts.cacheDir;
      }
      id = source.id;
    }
    let processor: Awaited<ReturnType<typeof tf.AutoProcessor.from_pretrained>>;
    let model: Awaited<ReturnType<typeof tf.CLIPVisionModelWithProjection.from_pretrained>>;
    try {
      processor = await tf.AutoProcessor.from_pretrained(id);
      model = await tf.CLIPVisionModelWithProjection.from_pretrained(id, {
        dtype: opts.dtype ?? 'fp32',
        device: 'cpu',
        session_options: { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1, logSeverityLevel: 3 },
      });
    } catch (err) {
      throw new ClipModelError(`CLIP_MODEL "${opts.model}" could not be loaded: ${(err as Error).message}`);
    }

    async function run(image: { data: Uint8Array; width: number; height: number }): Promise<Float32Array> {
      const raw = new tf.RawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height, 3);
      const inputs = await processor(raw);
      const out = await model(inputs);
      const t = out.image_embeds as { data: ArrayLike<number>; dims: number[] } | undefined;
      if (!t) throw new ClipModelError(`CLIP_MODEL "${opts.model}" has no image_embeds output (is it a CLIP vision model with projection?)`);
      return normalize(Float32Array.from(t.data));
    }

    // A probe tells the embedding size and fails early on a broken model.
    const probe = await run({ data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 });
    opts.logger?.info({ model: modelId, dims: probe.length, ms: Date.now() - started }, 'CLIP model loaded');
    return { run, dims: probe.length, dispose: async () => void (await model.dispose()) };
  }

  function loaded(): Promise<Loaded> {
    loading ??= loadModel().catch((err) => {
      loading = null; // allow a retry (e.g. the hub was unreachable)
      throw err;
    });
    return loading;
  }

  return {
    model: modelId,
    async load() {
      return (await loaded()).dims;
    },
    async embed(bytes) {
      const d = await decodeImage(bytes, opts.decode);
      const m = await loaded();
      // one inference at a time: the runtime already uses its threads, and memory stays flat
      const result = queue.then(() => m.run({ data: d.raw, width: d.rgb.width, height: d.rgb.height }));
      // catch: the queue only orders the inferences; the caller gets `result` and its rejection
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      const l = loading;
      loading = null;
      if (l) await (await l.catch(() => null))?.dispose();
    },
  };
}

/** Scales to unit length; throws on an all-zero or non-finite vector. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) throw new ClipModelError('the CLIP model returned an empty embedding');
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
