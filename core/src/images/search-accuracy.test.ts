/**
 * Reverse-search accuracy over ../shared/images/gallery (issue 5 quality bars).
 * Indexes most characters, holds whole characters out as negatives, queries sharp-made variants
 * through the same index + engine the service uses, and compares with the seed's pHash ≤ 5 rule.
 */
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { decodeImage } from './analyze-image.js';
import { SearchIndex } from './search-index.js';
import { prepareQuery, rankCandidates, type VerifyLoader } from './search-engine.js';
import { computeFeatures, greyOf, hamming, phashPlane, type Code64, type ImageFeatures } from './signatures.js';
import { VARIANTS, makeNegative, makeVariant, rng, type VariantName } from './query-variants.js';

const GALLERY = path.resolve(import.meta.dirname, '../../../../shared/images/gallery');
const MANIFEST = path.resolve(GALLERY, '../manifest.json');
const present = existsSync(GALLERY) && existsSync(MANIFEST);
if (!present) console.warn(`[search-accuracy] SKIPPED: ${GALLERY} is absent`);

// 40 queries per variant keeps the file near 60–90 s on 2 busy cores; ACCURACY_SAMPLE=150 for a fuller run
const PER_VARIANT = Number(process.env.ACCURACY_SAMPLE ?? 40);
const HOLDOUT_PCT = 12;
// ACCURACY_SPLIT=<n> draws another held-out set and other query samples: tune thresholds on such a
// split, never on the default one that the bars are asserted on
const SPLIT = Number(process.env.ACCURACY_SPLIT ?? 0);

const BARS: Record<VariantName, number> = {
  jpeg30: 0.99,
  resize40: 0.99,
  letterbox: 0.99,
  text: 0.99,
  hue: 0.99,
  mirror: 0.99,
  crop10: 0.97,
  screenshot: 0.97,
  crop_asym: 0.9,
  combo: 0.6, // not a bar of the issue: reported, loosely guarded
};

interface Item {
  file: string;
  character: string;
}

function heldOut(character: string): boolean {
  const h = createHash('sha1').update(SPLIT ? `${SPLIT}:${character}` : character).digest();
  return h.readUInt32BE(0) % 100 < HOLDOUT_PCT;
}

async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

describe.skipIf(!present)('reverse image search accuracy (shared gallery)', () => {
  test('per-variant top-1 character accuracy at verdict match', { timeout: 300_000 }, async () => {
    const t0 = performance.now();
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Item[];
    const indexed = manifest.filter((m) => !heldOut(m.character));
    const negatives = manifest.filter((m) => heldOut(m.character));
    const index = new SearchIndex();
    const verify = new Map<number, ImageFeatures['verify']>();
    const naive: { code: Code64; character: string }[] = [];
    const bytesOf = new Map<string, Buffer>();
    await pool(indexed, 3, async (m) => {
      const bytes = readFileSync(path.join(GALLERY, m.file));
      bytesOf.set(m.file, bytes);
      // the signatures analyzeImage stores (minus the thumbnail encode, to keep the test fast)
      const d = await decodeImage(bytes);
      const features = computeFeatures(d.rgb);
      const slot = index.upsert(m.file, m.character, features);
      verify.set(slot, features.verify);
      naive.push({ code: phashPlane(greyOf(d.rgb)), character: m.character });
    });
    const loadVerify: VerifyLoader = async (slots) => new Map(slots.flatMap((s) => (verify.has(s) ? [[s, verify.get(s)!] as const] : [])));
    const tIndex = performance.now() - t0;

    const naiveTop = (c: Code64) => {
      let best = 65;
      let ch = '';
      for (const n of naive) {
        const d = hamming(n.code, c);
        if (d < best) ((best = d), (ch = n.character));
      }
      return { d: best, character: ch };
    };

    async function query(bytes: Buffer) {
      const d = await decodeImage(bytes);
      const ranked = await rankCandidates(index, prepareQuery(d.rgb), loadVerify);
      const naiveHit = naiveTop(phashPlane(greyOf(d.rgb)));
      const top = ranked[0];
      const second = ranked.find((r) => r.characterId !== top?.characterId);
      return { top, naiveHit, second };
    }

    const r = rng(20240605 + SPLIT);
    const rows: { variant: string; n: number; ok: number; naive: number; top1: number }[] = [];
    const failures: string[] = [];
    const positiveNcc: number[] = [];
    for (const variant of VARIANTS) {
      const sample = [...indexed].sort(() => r() - 0.5).slice(0, PER_VARIANT);
      const res = await pool(sample, 3, async (m, i) => {
        const q = await makeVariant(bytesOf.get(m.file)!, variant, i + 1);
        const { top, naiveHit, second } = await query(q);
        const okTop1 = top?.characterId === m.character;
        const ok = okTop1 && top!.verdict === 'match';
        if (okTop1) positiveNcc.push(top!.ncc); if (okTop1 && process.env.ACCURACY_DUMP) console.log(`POS ${variant} ${top!.ncc.toFixed(3)} ${top!.grad.toFixed(3)} ${top!.blocks.toFixed(3)} ${top!.phashDistance} ${top!.dhashDistance} ${top!.haarDistance.toFixed(3)} ${second ? (second.ncc + second.grad).toFixed(3) : -2} ${second ? second.blocks.toFixed(3) : -2} ${top!.colour.toFixed(3)} ${top!.share.toFixed(3)}`);
        if (!ok && failures.length < 40)
          failures.push(`${variant} ${m.file}: got ${top?.characterId} ${top?.verdict} ncc=${top?.ncc.toFixed(3)} g=${top?.grad.toFixed(3)} pd=${top?.phashDistance} hd=${top?.haarDistance.toFixed(3)} ${second ? (second.ncc + second.grad).toFixed(3) : -2} ${second ? second.blocks.toFixed(3) : -2}`);
        return { ok, okTop1, naive: naiveHit.d <= 5 && naiveHit.character === m.character };
      });
      rows.push({
        variant,
        n: res.length,
        ok: res.filter((x) => x.ok).length,
        top1: res.filter((x) => x.okTop1).length,
        naive: res.filter((x) => x.naive).length,
      });
    }
    // negatives: characters not in the index at all
    const neg = await pool(negatives, 3, async (m) => {
      const q = await makeNegative(readFileSync(path.join(GALLERY, m.file)));
      const { top, naiveHit, second } = await query(q);
      if (process.env.ACCURACY_DUMP) console.log(`NEG ${top?.ncc.toFixed(3)} ${top?.grad.toFixed(3)} ${top?.blocks.toFixed(3)} ${top?.phashDistance} ${top?.dhashDistance} ${top?.haarDistance.toFixed(3)} ${second ? (second.ncc + second.grad).toFixed(3) : -2} ${second ? second.blocks.toFixed(3) : -2} ${top?.colour.toFixed(3)} ${top?.share.toFixed(3)}`);
      return { match: top?.verdict === 'match', probable: top?.verdict === 'probable', ncc: top?.ncc ?? -1, naive: naiveHit.d <= 5, file: m.file, top };
    });
    const negMatch = neg.filter((x) => x.match).length;
    const pct = (a: number, b: number) => ((100 * a) / Math.max(1, b)).toFixed(1).padStart(6);
    const lines = [
      `reverse-search accuracy (split ${SPLIT}): ${indexed.length} indexed, ${negatives.length} negatives (held-out characters), ${PER_VARIANT} queries per variant; index built in ${(tIndex / 1000).toFixed(1)} s`,
      `variant      | n   | engine top-1 @match | engine top-1 (any verdict) | seed pHash<=5 | bar`,
    ];
    for (const row of rows)
      lines.push(`${row.variant.padEnd(12)} | ${String(row.n).padEnd(3)} | ${pct(row.ok, row.n)} %            | ${pct(row.top1, row.n)} %                   | ${pct(row.naive, row.n)} %      | ${(BARS[row.variant as VariantName] * 100).toFixed(0)} %`);
    lines.push(
      `negatives    | ${String(neg.length).padEnd(3)} | false match ${pct(negMatch, neg.length)} % | probable ${pct(neg.filter((x) => x.probable).length, neg.length)} % | seed false ${pct(neg.filter((x) => x.naive).length, neg.length)} % | ≤ 1 %`,
    );
    const sortedNeg = neg.map((x) => x.ncc).sort((a, b) => b - a);
    const sortedPos = positiveNcc.sort((a, b) => a - b);
    lines.push(`negatives' best NCC: max ${sortedNeg[0]?.toFixed(3)}, 2nd ${sortedNeg[1]?.toFixed(3)}, 5th ${sortedNeg[4]?.toFixed(3)}; true top-1 NCC p1 ${sortedPos[Math.floor(sortedPos.length * 0.01)]?.toFixed(3)} p5 ${sortedPos[Math.floor(sortedPos.length * 0.05)]?.toFixed(3)}`);
    lines.push(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(lines.join('\n'));
    if (process.env.ACCURACY_DEBUG) {
      console.log(failures.join('\n'));
      console.log(neg.filter((x) => x.match || x.probable).map((x) => `${x.file} -> ${x.top?.artworkId} ncc=${x.ncc.toFixed(3)} g=${x.top?.grad.toFixed(3)} pd=${x.top?.phashDistance} dd=${x.top?.dhashDistance} hd=${x.top?.haarDistance.toFixed(3)}`).join('\n'));
    }
    for (const row of rows) expect(row.ok / row.n, `${row.variant} accuracy`).toBeGreaterThanOrEqual(BARS[row.variant as VariantName]);
    expect(negMatch / neg.length, 'false matches on negatives').toBeLessThanOrEqual(0.01);
  });
});
