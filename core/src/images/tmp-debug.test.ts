import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeImage } from './analyze-image.js';
import { computeFeatures, trimRgb } from './signatures.js';
import { prepareQuery, QueryVerifier } from './search-engine.js';
import { makeVariant } from './query-variants.js';
test('dbg', async () => {
  for (const [f, v] of [['acnh-pgn05.jpg','jpeg30'],['acnh-bea07.jpg','mirror'],['acnh-dog15.jpg','screenshot'],['pokemon-231.jpg','crop_asym'], ['pokemon-040.jpg','combo']] as const) {
    const b = readFileSync('/work/shared/images/gallery/' + f);
    const d = await decodeImage(b);
    const g = computeFeatures(d.rgb);
    const q = await makeVariant(b, v, 3);
    const dq = await decodeImage(q);
    const pq = prepareQuery(dq.rgb);
    console.log(f, v, 'gal', d.rgb.width, d.rgb.height, JSON.stringify(trimRgb(d.rgb).box), 'q', dq.rgb.width, dq.rgb.height, JSON.stringify(trimRgb(dq.rgb).box),
      pq.variants.map(x => x.name + ':' + new QueryVerifier(x.verify).score({width:g.verify.width,height:g.verify.height,data:Float32Array.from(g.verify.data)}).toFixed(3)).join(' '));
  }
});
