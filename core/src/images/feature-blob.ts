/**
 * Serialisation of ImageFeatures to one bytea blob per artwork, and back. The blob starts with what the
 * search index keeps (codes, Haar DC and coefficients: the "signature"), then the verification images,
 * so that the database can hand out the signature alone (migration 1768710000000 stores that prefix as
 * the `signature` column; its length formula must match signatureLength()).
 */
import { HAAR_COEFS, type Code64, type ImageFeatures, type IndexSignature } from './feature-types.js';

const BLOB_MAGIC = 0x57; // 'W'

export function serializeFeatures(f: ImageFeatures): Buffer {
  const vlen = f.verify.data.length;
  const clen = f.verify.chroma.data.length;
  const size = 1 + 1 + 8 * (2 + f.cropHashes.length) + 1 + 12 + 2 * f.haarCoefs.length + 2 + 2 + vlen + 4 + clen;
  const buf = Buffer.alloc(size);
  let o = 0;
  buf.writeUInt8(BLOB_MAGIC, o++);
  buf.writeUInt8(f.version, o++);
  const code = (c: Code64) => {
    buf.writeUInt32BE(c.hi, o);
    buf.writeUInt32BE(c.lo, o + 4);
    o += 8;
  };
  code(f.phash);
  code(f.dhash);
  buf.writeUInt8(f.cropHashes.length, o++);
  f.cropHashes.forEach(code);
  for (const d of f.haarDc) (buf.writeFloatLE(d, o), (o += 4));
  for (const v of f.haarCoefs) (buf.writeInt16LE(v, o), (o += 2));
  buf.writeUInt16LE(f.verify.width, o);
  buf.writeUInt16LE(f.verify.height, o + 2);
  o += 4;
  Buffer.from(f.verify.data.buffer, f.verify.data.byteOffset, vlen).copy(buf, o);
  o += vlen;
  buf.writeUInt16LE(f.verify.chroma.width, o);
  buf.writeUInt16LE(f.verify.chroma.height, o + 2);
  o += 4;
  Buffer.from(f.verify.chroma.data.buffer, f.verify.chroma.data.byteOffset, clen).copy(buf, o);
  return buf;
}

/** Bytes of the signature prefix of a blob with `crops` crop codes. */
export function signatureLength(crops: number): number {
  return 1 + 1 + 16 + 1 + 8 * crops + 12 + 2 * 3 * HAAR_COEFS;
}

/** The index part of a blob (or of its signature prefix); throws on anything else. */
export function deserializeSignature(buf: Uint8Array): IndexSignature {
  return readSignature(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)).sig;
}

function readSignature(b: Buffer): { sig: IndexSignature; end: number } {
  if (b.length < signatureLength(0) || b.readUInt8(0) !== BLOB_MAGIC) throw new Error('not an image-features blob');
  if (b.length < signatureLength(b.readUInt8(18))) throw new Error(`image-features blob is truncated (${b.length} bytes)`);
  let o = 1;
  const version = b.readUInt8(o++);
  const code = (): Code64 => {
    const c = { hi: b.readUInt32BE(o), lo: b.readUInt32BE(o + 4) };
    o += 8;
    return c;
  };
  const phash = code();
  const dhash = code();
  const nc = b.readUInt8(o++);
  const cropHashes: Code64[] = [];
  for (let i = 0; i < nc; i++) cropHashes.push(code());
  const haarDc: [number, number, number] = [b.readFloatLE(o), b.readFloatLE(o + 4), b.readFloatLE(o + 8)];
  o += 12;
  const haarCoefs = new Int16Array(3 * HAAR_COEFS);
  for (let i = 0; i < haarCoefs.length; i++) (haarCoefs[i] = b.readInt16LE(o), (o += 2));
  return { sig: { version, phash, dhash, cropHashes, haarDc, haarCoefs }, end: o };
}

/** The index part of a signature as flat arrays (readSignatureInto fills one per row, no objects). */
export interface RawSignature {
  version: number;
  /** hi, lo of the pHash, dHash and 7 crop codes (missing crops repeat the pHash). */
  codes: Uint32Array;
  dc: Float64Array;
  coefs: Int16Array;
}

export function rawSignature(): RawSignature {
  return { version: 0, codes: new Uint32Array(18), dc: new Float64Array(3), coefs: new Int16Array(3 * HAAR_COEFS) };
}

/** deserializeSignature() into reused arrays: the index build reads a million rows this way. */
export function readSignatureInto(buf: Uint8Array, out: RawSignature): void {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < signatureLength(0) || buf[0] !== BLOB_MAGIC) throw new Error('not an image-features blob');
  const nc = buf[18]!;
  if (buf.length < signatureLength(nc)) throw new Error(`image-features blob is truncated (${buf.length} bytes)`);
  out.version = buf[1]!;
  const c = out.codes;
  for (let i = 0; i < 4; i++) c[i] = v.getUint32(2 + 4 * i);
  for (let k = 0; k < 7; k++) {
    const o = 19 + 8 * k;
    c[4 + 2 * k] = k < nc ? v.getUint32(o) : c[0]!;
    c[5 + 2 * k] = k < nc ? v.getUint32(o + 4) : c[1]!;
  }
  let o = 19 + 8 * nc;
  for (let i = 0; i < 3; i++, o += 4) out.dc[i] = v.getFloat32(o, true);
  for (let i = 0; i < out.coefs.length; i++, o += 2) out.coefs[i] = v.getInt16(o, true);
}

export function deserializeFeatures(buf: Uint8Array): ImageFeatures {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const { sig, end } = readSignature(b);
  let o = end;
  const width = b.readUInt16LE(o);
  const height = b.readUInt16LE(o + 2);
  o += 4;
  const data = new Uint8Array(b.subarray(o, o + width * height));
  o += width * height;
  const cw = b.readUInt16LE(o);
  const ch = b.readUInt16LE(o + 2);
  o += 4;
  const cbytes = b.subarray(o, o + 2 * cw * ch);
  const cdata = new Int8Array(cbytes.length);
  cdata.set(new Int8Array(cbytes.buffer, cbytes.byteOffset, cbytes.length));
  return { ...sig, verify: { width, height, data, chroma: { width: cw, height: ch, data: cdata } } };
}
