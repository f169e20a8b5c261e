/**
 * Reverse-search accuracy over ../shared/images/gallery, on look-alike-rich held-out splits.
 *
 * Every gallery picture is analysed once. Each split then holds whole characters out of the index
 * (more of the Animal Crossing villagers, whose species share one template) and queries:
 * - sharp-made re-posts of indexed pictures, one sample per variant;
 * - negatives: held-out pictures, first those whose family (species, evolution block) stays indexed;
 * - look-alike traps: recolours, palette swaps and face swaps of indexed pictures (another character
 *   drawn from the same template: the original is in the index and must NOT be called a match);
 * - stronger edits (HARD_VARIANTS: no bar): with the traps, the ambiguous queries on which the
 *   precision of 'probable' is measured.
 * The thresholds are constants of the engine, calibrated on other splits (ACCURACY_FIRST_SPLIT=100,
 * ACCURACY_DUMP=file, see docs/image-search.md); this test asserts them on splits 0.. and compares
 * with the seed's pHash ≤ 5 rule in the same run.
 *
 * Env: ACCURACY_SAMPLE (queries per variant per split, default 8), ACCURACY_SPLITS (default 3),
 * ACCURACY_FIRST_SPLIT (default 0), ACCURACY_NEGATIVES (per split, default 4 × sample), ACCURACY_DUMP (JSONL of every query's evidence), ACCURACY_VARIANTS (comma-separated,
 * development runs), ACCURACY_TRAPS (per split, default 6 × sample), ACCURACY_HARD (per stronger edit per
 * split, default ½ sample), ACCURACY_DEBUG.
 */
import { describe, expect, test } from 'vitest';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { decodeImage } from './analyze-image.js';
import { SearchIndex } from './search-index.js';
import { prepareQuery } from './prepare-query.js';
import { rankCandidates, type RankedCandidate, type VerifyLoader } from './rank-candidates.js';
import { computeFeatures } from './compute-features.js';
import { greyOf } from './pixels.js';
import { hamming, phashPlane } from './perceptual-hash.js';
import { type Code64, type ImageFeatures } from './feature-types.js';
import { calibrateVerdicts, THRESHOLDS, type Thresholds } from './verdict-calibration.js';
import { HARD_VARIANTS, LOOKALIKE_KINDS, VARIANTS, makeLookalike, makeNegative, makeVariant, rng, type VariantName } from './query-variants.js';

const GALLERY = path.resolve(import.meta.dirname, '../../../../shared/images/gallery');
const MANIFEST = path.resolve(GALLERY, '../manifest.json');
const present = existsSync(GALLERY) && existsSync(MANIFEST);
if (!present) console.warn(`[search-accuracy] SKIPPED: ${GALLERY} is absent`);

// 3 splits × (10 variants × 8 + 5 stronger edits × 4 + 32 negatives + 48 traps) keeps the file near 100–200 s on 2 cores (400–650 s at load average 17–30: hence the timeout)
const PER_VARIANT = Number(process.env.ACCURACY_SAMPLE ?? 8);
const SPLITS = Number(process.env.ACCURACY_SPLITS ?? 3);
const FIRST_SPLIT = Number(process.env.ACCURACY_FIRST_SPLIT ?? 0);
/** Held-out pictures queried per split (ACCURACY_NEGATIVES: fewer on development runs of some variants). */
const NEGATIVES = Number(process.env.ACCURACY_NEGATIVES ?? PER_VARIANT * 4);
/** Look-alike traps per split (recolour, palette, face in turn): the false matches that matter. */
const TRAPS = Number(process.env.ACCURACY_TRAPS ?? PER_VARIANT * 6);
/** Queries per stronger edit per split (HARD_VARIANTS: no bar, they measure the precision of 'probable'). */
const PER_HARD = Number(process.env.ACCURACY_HARD ?? Math.ceil(PER_VARIANT / 2));
const DUMP = process.env.ACCURACY_DUMP;
/** Comma-separated variants to query (development runs); all by default. */
const ONLY = process.env.ACCURACY_VARIANTS?.split(',');
const RUN = VARIANTS.filter((v) => !ONLY || ONLY.includes(v));
const RUN_HARD = HARD_VARIANTS.filter((v) => !ONLY || ONLY.includes(v));

const BARS: Partial<Record<VariantName, number>> = {
  jpeg30: 0.99,
  resize40: 0.99,
  letterbox: 0.99,
  text: 0.99,
  hue: 0.99,
  mirror: 0.99,
  crop10: 0.98,
  screenshot: 0.98,
  crop_asym: 0.95,
  combo: 0.9,
};
/** Every bar is asserted as it stands, false matches included (0.5 %: none of the ~155 negatives of the CI splits). */
const MAX_FALSE_MATCH = 0.005;
const MIN_PROBABLE_PRECISION = 0.8;
/** The third round's rules on the same evidence (tone alone against face swaps, no unturned-colour
 * check): the "before" column, so that a change of thresholds is measured on the same queries (a change
 * of the measures themselves needs a run of the old code on the same splits). */
const BEFORE: Thresholds = { ...THRESHOLDS, maxToneMisfit: 0.6, maxStructureMisfit: Infinity, maxUnturned: Infinity };

interface Item {
  file: string;
  character: string;
}

/** Look-alike family: villagers of one species, Pokémon in one block of three national numbers (≈ an evolution line). */
function family(character: string): string {
  const [src, id] = character.split(':') as [string, string];
  if (src === 'acnh') return `acnh:${id.replace(/\d+$/, '')}`;
  if (src === 'pokemon') return `pokemon:${Math.floor((Number(id) - 1) / 3)}`;
  return character;
}

function heldOut(split: number, character: string): boolean {
  const h = createHash('sha1').update(`${split}:${character}`).digest().readUInt32BE(0) % 100;
  return h < (character.startsWith('acnh:') ? 25 : 10);
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

function shuffled<T>(xs: T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

type Kind = VariantName | 'negative' | 'lookalike-negative' | 'trap';
interface Outcome {
  split: number;
  kind: Kind;
  trap?: string;
  /** The character the query shows, when it is in the index. */
  expected: string | null;
  top?: RankedCandidate;
  second?: RankedCandidate;
  /** The top candidate under the BEFORE rules. */
  topBefore?: RankedCandidate;
  seedOk: boolean;
}

const evidenceOf = (c?: RankedCandidate) =>
  c && { artwork: c.artworkId, character: c.characterId, verdict: c.verdict, ncc: c.ncc, grad: c.grad, pd: c.phashDistance, dd: c.dhashDistance, hd: c.haarDistance, evidence: c.evidence };

describe.skipIf(!present)('reverse image search accuracy (shared gallery)', () => {
  test('per-variant top-1 at verdict match, false matches on look-alikes, over held-out splits', { timeout: 1_200_000 }, async () => {
    const t0 = performance.now();
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Item[];
    const bytesOf = new Map<string, Buffer>();
    const featuresOf = new Map<string, ImageFeatures>();
    const seedCode = new Map<string, Code64>();
    await pool(manifest, 2, async (m) => {
      const bytes = readFileSync(path.join(GALLERY, m.file));
      bytesOf.set(m.file, bytes);
      // the signatures analyzeImage stores (minus the thumbnail encode, to keep the test fast)
      const d = await decodeImage(bytes);
      featuresOf.set(m.file, computeFeatures(d.rgb));
      seedCode.set(m.file, phashPlane(greyOf(d.rgb)));
    });
    const tFeatures = performance.now() - t0;
    if (DUMP) writeFileSync(DUMP, '');

    const outcomes: Outcome[] = [];
    for (let split = FIRST_SPLIT; split < FIRST_SPLIT + SPLITS; split++) {
      const indexed = manifest.filter((m) => !heldOut(split, m.character));
      const out = manifest.filter((m) => heldOut(split, m.character));
      const index = new SearchIndex();
      const verify = new Map<number, ImageFeatures['verify']>();
      for (const m of indexed) verify.set(index.upsert(m.file, m.character, featuresOf.get(m.file)!), featuresOf.get(m.file)!.verify);
      const loadVerify: VerifyLoader = async (slots) => new Map(slots.flatMap((s) => (verify.has(s) ? [[s, verify.get(s)!] as const] : [])));
      const seedTop = (c: Code64) => {
        let best = 65;
        let ch = '';
        for (const m of indexed) {
          const d = hamming(seedCode.get(m.file)!, c);
          if (d < best) ((best = d), (ch = m.character));
        }
        return { d: best, character: ch };
      };
      const query = async (bytes: Buffer) => {
        const d = await decodeImage(bytes);
        const ranked = await rankCandidates(index, prepareQuery(d.rgb), loadVerify);
        const top = ranked[0];
        const before = ranked.map((c) => ({ ...c }));
        calibrateVerdicts(before, BEFORE);
        return { top, topBefore: before[0], second: ranked.find((x) => x.characterId !== top?.characterId), ranked, seed: seedTop(phashPlane(greyOf(d.rgb))), size: [d.rgb.width, d.rgb.height] };
      };
      const r = rng(20240605 + split);
      const jobs: { kind: Kind; trap?: string; expected: string | null; make: () => Promise<Buffer | null> }[] = [];
      for (const variant of RUN)
        for (const [i, m] of shuffled(indexed, r).slice(0, PER_VARIANT).entries())
          jobs.push({ kind: variant, expected: m.character, make: () => makeVariant(bytesOf.get(m.file)!, variant, split * 1000 + i + 1) });
      for (const variant of RUN_HARD)
        for (const [i, m] of shuffled(indexed, r).slice(0, PER_HARD).entries())
          jobs.push({ kind: variant, expected: m.character, make: () => makeVariant(bytesOf.get(m.file)!, variant, split * 1000 + 500 + i) });
      const indexedFamilies = new Set(indexed.map((m) => family(m.character)));
      const lookalike = (m: Item) => indexedFamilies.has(family(m.character));
      // half of them look-alikes (a sibling stays indexed) when there are enough, the rest unrelated
      const mixed = shuffled(out, r);
      const near = mixed.filter(lookalike);
      const far = mixed.filter((m) => !lookalike(m));
      const nNear = Math.min(near.length, Math.max(NEGATIVES >> 1, NEGATIVES - far.length));
      const negs = [...near.slice(0, nNear), ...far.slice(0, NEGATIVES - nNear)];
      for (const m of negs) jobs.push({ kind: lookalike(m) ? 'lookalike-negative' : 'negative', expected: null, make: () => makeNegative(bytesOf.get(m.file)!) });
      // traps: the original stays indexed; the query is another character from its template
      const byFamily = new Map<string, Item[]>();
      for (const m of indexed) byFamily.set(family(m.character), [...(byFamily.get(family(m.character)) ?? []), m]);
      const trapSources = shuffled(indexed, r);
      for (let k = 0; k < TRAPS * 2 && jobs.filter((j) => j.kind === 'trap').length < TRAPS; k++) {
        const m = trapSources[k % trapSources.length]!;
        const kind = LOOKALIKE_KINDS[k % LOOKALIKE_KINDS.length]!;
        const kin = (byFamily.get(family(m.character)) ?? []).filter((o) => o.character !== m.character);
        const sameSource = indexed.filter((o) => o.character.split(':')[0] === m.character.split(':')[0] && o.character !== m.character);
        const donor = (kin.length ? kin : sameSource)[Math.floor(r() * (kin.length || sameSource.length))];
        const seed = split * 1000 + k;
        jobs.push({ kind: 'trap', trap: kind, expected: null, make: () => makeLookalike(bytesOf.get(m.file)!, kind, seed, donor && bytesOf.get(donor.file)) });
      }
      const res = await pool(jobs, 2, async (j, i) => {
        const q = await j.make();
        if (!q) return null;
        const { top, topBefore, second, ranked, seed, size } = await query(q);
        const o: Outcome = { split, kind: j.kind, trap: j.trap, expected: j.expected, top, second, topBefore, seedOk: j.expected ? seed.d <= 5 && seed.character === j.expected : seed.d <= 5 };
        if (DUMP) appendFileSync(DUMP, JSON.stringify({ split, job: i, size, kind: j.kind, trap: j.trap, expected: j.expected, top: evidenceOf(top), candidates: ranked.slice(0, 8).map(evidenceOf) }) + '\n');
        return o;
      });
      // a trap slot whose picture had too little colour is filled by the next source (bounded above)
      outcomes.push(...res.filter((x): x is Outcome => x !== null).filter((x, i, all) => x.kind !== 'trap' || all.slice(0, i + 1).filter((y) => y.kind === 'trap').length <= TRAPS));
    }

    // ---- the table: per variant mean and worst split, pooled rate, the seed's rule, the bar
    const splits = [...new Set(outcomes.map((o) => o.split))];
    const isMatch = (o: Outcome) => o.top?.verdict === 'match';
    const wasMatch = (o: Outcome) => o.topBefore?.verdict === 'match';
    const wasCorrect = (o: Outcome) => o.expected !== null && o.topBefore?.characterId === o.expected && wasMatch(o);
    const correct = (o: Outcome) => o.expected !== null && o.top?.characterId === o.expected;
    const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)} %`;
    const rate = (xs: Outcome[], f: (o: Outcome) => boolean) => xs.filter(f).length / Math.max(1, xs.length);
    const lines = [
      `reverse-search accuracy: splits ${splits.join(',')}, ${PER_VARIANT} queries per variant per split; features of ${manifest.length} pictures in ${(tFeatures / 1000).toFixed(1)} s`,
      `variant            |   n | top-1@match | mean split | worst split | any verdict | before  | seed pHash<=5 |   bar`,
    ];
    const pooled = new Map<string, number>();
    for (const v of RUN) {
      const xs = outcomes.filter((o) => o.kind === v);
      const ok = (o: Outcome) => correct(o) && isMatch(o);
      const per = splits.map((s) => rate(xs.filter((o) => o.split === s), ok));
      pooled.set(v, rate(xs, ok));
      lines.push(
        `${v.padEnd(18)} | ${String(xs.length).padStart(3)} |     ${pct(rate(xs, ok))} |    ${pct(per.reduce((a, b) => a + b, 0) / per.length)} |     ${pct(Math.min(...per))} |     ${pct(rate(xs, correct))} | ${pct(rate(xs, wasCorrect))} |       ${pct(rate(xs, (o) => o.seedOk))} | ${pct(BARS[v]!)}`,
      );
    }
    for (const v of RUN_HARD) {
      const xs = outcomes.filter((o) => o.kind === v);
      const prob = xs.filter((o) => o.top?.verdict === 'probable');
      lines.push(
        `${v.padEnd(18)} | ${String(xs.length).padStart(3)} |     ${pct(rate(xs, (o) => correct(o) && isMatch(o)))} | probable ${String(prob.length).padStart(3)} (${pct(rate(prob, correct))} right) | any verdict ${pct(rate(xs, (o) => correct(o) && o.top?.verdict !== 'none'))} | no bar`,
      );
    }
    const negatives = outcomes.filter((o) => o.expected === null);
    const negRow = (label: string, xs: Outcome[], bar: string) => {
      const per = splits.map((s) => rate(xs.filter((o) => o.split === s), isMatch));
      lines.push(
        `${label.padEnd(18)} | ${String(xs.length).padStart(3)} | false match ${pct(rate(xs, isMatch))} (worst split ${pct(Math.max(...per))}; before ${pct(rate(xs, wasMatch))}) | probable ${pct(rate(xs, (o) => o.top?.verdict === 'probable'))} | seed false ${pct(rate(xs, (o) => o.seedOk))} | ${bar}`,
      );
    };
    negRow('all negatives', negatives, `≤ ${pct(MAX_FALSE_MATCH)}`);
    negRow('  unrelated', negatives.filter((o) => o.kind === 'negative'), '');
    negRow('  same family', negatives.filter((o) => o.kind === 'lookalike-negative'), '');
    for (const k of LOOKALIKE_KINDS) negRow(`  trap ${k}`, negatives.filter((o) => o.trap === k), '');
    const probable = outcomes.filter((o) => o.top?.verdict === 'probable');
    const probablePrecision = rate(probable, correct);
    const probableFrom = (f: (o: Outcome) => boolean) => probable.filter(f).length;
    lines.push(
      `'probable' answers: ${probable.length} (usual edits ${probableFrom((o) => RUN.includes(o.kind as VariantName))}, stronger edits ${probableFrom((o) => RUN_HARD.includes(o.kind as never))}, negatives ${probableFrom((o) => o.expected === null)}), precision ${pct(probablePrecision)} (bar ${pct(MIN_PROBABLE_PRECISION)})`,
    );
    lines.push(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(lines.join('\n'));
    if (process.env.ACCURACY_DEBUG) {
      for (const o of outcomes.filter((x) => (RUN.includes(x.kind as VariantName) && !(correct(x) && isMatch(x))) || (!x.expected && isMatch(x))))
        console.log(`${o.split} ${o.kind}${o.trap ? `/${o.trap}` : ''} expected ${o.expected} got ${JSON.stringify(evidenceOf(o.top))}`);
    }
    for (const v of RUN) expect(pooled.get(v)!, `${v} top-1 at match`).toBeGreaterThanOrEqual(BARS[v]!);
    expect(rate(negatives, isMatch), 'false matches on negatives and look-alike traps').toBeLessThanOrEqual(MAX_FALSE_MATCH);
    if (probable.length >= 10) expect(probablePrecision, "precision of 'probable'").toBeGreaterThanOrEqual(MIN_PROBABLE_PRECISION);
  });
});
