/**
 * Worker thread of the index build (index-build.ts): reads binary COPY chunks of (artwork id, character
 * id, signature), loads them into a SearchIndex in bulk mode, compacts it, and hands its buffers back.
 */
import { parentPort } from 'node:worker_threads';
import { CopyBinaryRows } from './copy-binary-rows.js';
import { rawSignature, readSignatureInto } from './feature-blob.js';
import { SearchIndex } from './search-index.js';
import type { BuildReply, BuildRequest } from './index-build.js';

const port = parentPort!;
const index = new SearchIndex();
index.beginBulk();
const sig = rawSignature();
const rows = new CopyBinaryRows((id, characterId, bytes) => {
  readSignatureInto(bytes, sig);
  index.upsertRaw(String(id), String(characterId), sig);
});
const reply = (m: BuildReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (m: BuildRequest) => {
  try {
    if (m.type === 'chunk') {
      rows.push(m.bytes);
      reply({ type: 'ack', rows: rows.rows });
    } else {
      if (!rows.done) throw new Error('the binary COPY stream ended before its trailer');
      index.compact();
      const { state, transfer } = index.exportState();
      reply({ type: 'done', state, rows: rows.rows }, transfer);
    }
  } catch (err) {
    reply({ type: 'error', message: (err as Error).message });
  }
});
