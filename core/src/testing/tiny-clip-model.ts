/**
 * Test support: writes a tiny CLIP-shaped vision model in the transformers.js folder layout, so the real
 * loading code (`CLIPVisionModelWithProjection` + `AutoProcessor` from @huggingface/transformers, run by
 * onnxruntime-node) can be exercised without downloading anything.
 *
 *   <dir>/config.json               model_type "clip" → CLIPVisionModelWithProjection
 *   <dir>/preprocessor_config.json  CLIPImageProcessor: shortest edge → size, centre crop, CLIP mean/std
 *   <dir>/onnx/vision_model.onnx    the file transformers.js loads for that class with dtype fp32
 *
 * The ONNX graph (a few KB) keeps CLIP's interface: input `pixel_values` float32 [batch, 3, S, S] and
 * output `image_embeds` float32 [batch, D]. Inside it is AveragePool (S/4 × S/4 cells → a 4×4 colour
 * layout per channel) → Flatten → MatMul with a fixed pseudo-random [48, D] matrix. Different pictures
 * get different embeddings and the same picture always the same one, which is all the tests need.
 *
 * The protobuf is encoded by hand (a handful of onnx.proto fields), so there is no extra dependency.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rng } from '../images/query-variants.js';

export interface TinyClipModel {
  /** Folder to put in CLIP_MODEL. */
  dir: string;
  /** Embedding size (`image_embeds` width). */
  dims: number;
  /** Side of the square model input. */
  imageSize: number;
  /** Deletes the folder. */
  remove(): void;
}

export interface TinyClipOptions {
  /** Where to create the model folder (default: a fresh temp folder). */
  dir?: string;
  /** Embedding size, default 16. */
  dims?: number;
  /** Input side, a multiple of 4, default 32. */
  imageSize?: number;
  /** Seed of the projection matrix. */
  seed?: number;
}

// ---- minimal protobuf writer -------------------------------------------------------------------------

class Pb {
  private parts: Buffer[] = [];

  private varint(n: bigint | number): void {
    let v = BigInt.asUintN(64, BigInt(n));
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      out.push(byte);
    } while (v);
    this.parts.push(Buffer.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, n: number | bigint): this {
    this.key(field, 0);
    this.varint(n);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(Buffer.from(b));
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }

  float(field: number, f: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(f);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

// onnx.proto field numbers and enums (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto)
const TENSOR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

type Dim = number | string;

function valueInfo(name: string, dims: Dim[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d)); // Dimension
  const tensorType = new Pb().int(1, TENSOR_FLOAT).msg(2, shape); // TypeProto.Tensor
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType)); // ValueInfoProto{name, type}
}

function attrInts(name: string, values: number[]): Pb {
  const a = new Pb().str(1, name);
  for (const v of values) a.int(8, v);
  return a.int(20, ATTR_INTS);
}

function attrInt(name: string, value: number): Pb {
  return new Pb().str(1, name).int(3, value).int(20, ATTR_INT);
}

function node(op: string, inputs: string[], outputs: string[], attrs: Pb[] = []): Pb {
  const n = new Pb();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, `${op.toLowerCase()}_0`).str(4, op);
  for (const a of attrs) n.msg(5, a);
  return n;
}

function floatTensor(name: string, dims: number[], data: Float32Array): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  t.int(2, TENSOR_FLOAT).str(8, name);
  return t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // raw_data, little-endian
}

/** Deterministic pseudo-random numbers in [-1, 1), from the engine's seeded PRNG. */
function random(seed: number): () => number {
  const next = rng(seed);
  return () => next() * 2 - 1;
}

/** The ONNX model bytes: pixel_values [batch,3,S,S] → image_embeds [batch,D]. */
export function buildTinyClipOnnx(opts: { dims: number; imageSize: number; seed?: number }): Buffer {
  const { dims, imageSize } = opts;
  if (imageSize % 4 !== 0) throw new Error('imageSize must be a multiple of 4');
  const cell = imageSize / 4;
  const features = 3 * 4 * 4;
  const rnd = random(opts.seed ?? 1234);
  const weight = new Float32Array(features * dims);
  for (let i = 0; i < weight.length; i++) weight[i] = rnd();

  const graph = new Pb()
    .msg(
      1,
      node(
        'AveragePool',
        ['pixel_values'],
        ['pooled'],
        [attrInts('kernel_shape', [cell, cell]), attrInts('strides', [cell, cell])],
      ),
    )
    .msg(1, node('Flatten', ['pooled'], ['flat'], [attrInt('axis', 1)]))
    .msg(1, node('MatMul', ['flat', 'projection'], ['image_embeds']))
    .str(2, 'tiny_clip_vision')
    .msg(5, floatTensor('projection', [features, dims], weight))
    .msg(11, valueInfo('pixel_values', ['batch_size', 3, imageSize, imageSize]))
    .msg(12, valueInfo('image_embeds', ['batch_size', dims]));

  return new Pb()
    .int(1, 8) // ir_version
    .str(2, 'waifudex-tiny-clip') // producer_name
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, 17)) // opset_import: default domain, opset 17
    .finish();
}

/** Writes the tiny model folder and returns where it is. */
export function createTinyClipModel(opts: TinyClipOptions = {}): TinyClipModel {
  const dims = opts.dims ?? 16;
  const imageSize = opts.imageSize ?? 32;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-tiny-clip-'));
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const config = {
    architectures: ['CLIPVisionModelWithProjection'],
    model_type: 'clip',
    projection_dim: dims,
    vision_config: { model_type: 'clip_vision_model', image_size: imageSize, num_channels: 3, projection_dim: dims },
  };
  const preprocessor = {
    image_processor_type: 'CLIPImageProcessor',
    feature_extractor_type: 'CLIPFeatureExtractor',
    do_resize: true,
    size: { shortest_edge: imageSize },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: imageSize, width: imageSize },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
    do_convert_rgb: true,
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify(preprocessor, null, 2));
  fs.writeFileSync(
    path.join(dir, 'onnx', 'vision_model.onnx'),
    buildTinyClipOnnx({ dims, imageSize, seed: opts.seed }),
  );
  return { dir, dims, imageSize, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
