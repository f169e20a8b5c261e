/** Tiny PNG encoder for tests: distinct, valid images without sharp (sharp is only imported under core/src/images). */
import zlib from 'node:zlib';

// node:zlib has CRC-32 (PNG's chunk checksum) since Node 20.15.
const crc32 = (b: Buffer): number => zlib.crc32(b);

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A w×h RGB PNG whose pixels depend on `seed` (different seeds → different bytes and pictures). */
export function testPng(seed: number, w = 64, h = 64): Buffer {
  let s = (seed * 2654435761) >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  const blocks = Array.from({ length: 16 }, () => [rnd() * 255, rnd() * 255, rnd() * 255].map(Math.floor));
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const b = blocks[(Math.floor((y * 4) / h) * 4 + Math.floor((x * 4) / w)) % 16]!;
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = b[0]!;
      raw[o + 1] = b[1]!;
      raw[o + 2] = b[2]!;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
