import { test } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { decodeImage } from './analyze-image.js';
import { computeFeatures } from './signatures.js';
import { SearchIndex } from './search-index.js';
import { prepareQuery, rankCandidates, QueryVerifier } from './search-engine.js';
import { makeVariant } from './query-variants.js';
test('prof', async () => {
  const files = readdirSync('/work/shared/images/gallery').filter(f => f.endsWith('.jpg')).slice(0, 300);
  const index = new SearchIndex(); const ver = new Map<number, any>();
  for (const f of files) { const d = await decodeImage(readFileSync('/work/shared/images/gallery/' + f)); const ft = computeFeatures(d.rgb); ver.set(index.upsert(f, f, ft), ft.verify); }
  const qs = [];
  for (let i = 0; i < 20; i++) qs.push(await makeVariant(readFileSync('/work/shared/images/gallery/' + files[i * 7]!), 'crop10', i));
  let tDec = 0, tPrep = 0, tRank = 0;
  for (const q of qs) {
    let t = performance.now(); const d = await decodeImage(q); tDec += performance.now() - t;
    t = performance.now(); const p = prepareQuery(d.rgb); tPrep += performance.now() - t;
    t = performance.now(); await rankCandidates(index, p, async (s) => new Map(s.map(x => [x, ver.get(x)]))); tRank += performance.now() - t;
  }
  console.log('per query ms: decode', tDec / 20, 'prepare', tPrep / 20, 'rank', tRank / 20);
  const v = ver.get(0); const qv = new QueryVerifier({ width: v.width, height: v.height, data: Float32Array.from(v.data) });
  let t = performance.now(); for (let i = 0; i < 50; i++) qv.score({ width: v.width, height: v.height, data: Float32Array.from(ver.get(i + 1).data) }); console.log('verify per cand', (performance.now() - t) / 50);
});
