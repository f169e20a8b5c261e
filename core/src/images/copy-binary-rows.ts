/**
 * Incremental reader of PostgreSQL's binary COPY format for rows of (bigint, bigint, bytea): the index
 * build streams (artwork id, character id, signature) this way, without pg's per-row text decoding.
 * Chunks may split a row anywhere.
 */
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // "PGCOPY\n\xff\r\n\0"

export type CopyRowHandler = (id: number, characterId: number, bytes: Uint8Array) => void;

export class CopyBinaryRows {
  private rest = new Uint8Array(0);
  private headerDone = false;
  /** True once the trailer (field count −1) was read. */
  done = false;
  rows = 0;

  constructor(private readonly onRow: CopyRowHandler) {}

  /** Reads every complete row of `chunk` (with what the previous chunk left). */
  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.rest.length) {
      buf = new Uint8Array(this.rest.length + chunk.length);
      buf.set(this.rest);
      buf.set(chunk, this.rest.length);
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let o = 0;
    if (!this.headerDone) {
      if (buf.length < 19) return void (this.rest = buf.slice());
      for (let i = 0; i < SIGNATURE.length; i++) if (buf[i] !== SIGNATURE[i]) throw new Error('not a binary COPY stream');
      const ext = view.getUint32(15);
      if (buf.length < 19 + ext) return void (this.rest = buf.slice());
      o = 19 + ext;
      this.headerDone = true;
    }
    while (!this.done && o + 2 <= buf.length) {
      const fields = view.getInt16(o);
      if (fields === -1) {
        this.done = true;
        o += 2;
        break;
      }
      if (fields !== 3) throw new Error(`binary COPY row has ${fields} fields, not 3`);
      // two int8 fields (4 + 8 bytes each), then the bytea's length and bytes
      if (o + 2 + 24 + 4 > buf.length) break;
      if (view.getInt32(o + 2) !== 8 || view.getInt32(o + 14) !== 8) throw new Error('binary COPY ids are not bigint');
      const len = view.getInt32(o + 26);
      const end = o + 30 + Math.max(0, len);
      if (end > buf.length) break;
      const id = view.getUint32(o + 6) * 2 ** 32 + view.getUint32(o + 10);
      const characterId = view.getUint32(o + 18) * 2 ** 32 + view.getUint32(o + 22);
      if (len >= 0) {
        this.rows++;
        this.onRow(id, characterId, buf.subarray(o + 30, end));
      }
      o = end;
    }
    this.rest = buf.slice(o);
  }
}
