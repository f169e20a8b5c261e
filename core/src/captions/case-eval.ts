// Scores the parser on JSON-lines caption cases ({caption, expected, class|family}) with the
// FORMATS §4 conventions: names and rarity compared case-insensitively, anime and ids literally.
// Used by the corpus tests and by `npx tsx core/src/captions/case-eval.ts FILE…` (per-class report).
import { readFileSync } from 'node:fs';
import { parseCaption } from './parse-caption.js';
import type { ParsedCaption } from './types.js';

export interface CaptionCase {
  caption: string;
  expected: { name: string | null; anime: string | null; rarity: string | null; source_id: string | null };
  class?: string;
  family?: string;
  note?: string;
}

export type CaseField = 'name' | 'anime' | 'rarity' | 'source_id';
export const CASE_FIELDS: readonly CaseField[] = ['name', 'anime', 'rarity', 'source_id'];

export function loadCases(path: string): CaptionCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CaptionCase);
}

const lower = (s: string | null): string | null => (s === null ? null : s.toLowerCase());

/** Fields of `c` that `r` gets wrong. */
export function wrongFields(c: CaptionCase, r: ParsedCaption): CaseField[] {
  const got: Record<CaseField, string | null> = {
    name: r.name,
    anime: r.anime,
    rarity: r.rarity,
    source_id: r.sourceId,
  };
  return CASE_FIELDS.filter((f) => {
    const e = c.expected[f];
    const g = got[f];
    return f === 'name' || f === 'rarity' ? lower(g) !== lower(e) : g !== e;
  });
}

export interface CaseReport {
  total: number;
  right: number;
  byClass: Map<string, { total: number; right: number }>;
  failures: Array<{ cls: string; caption: string; wrong: string }>;
}

export function scoreCases(
  cases: readonly CaptionCase[],
  parse: (caption: string) => ParsedCaption = (s) => parseCaption(s),
): CaseReport {
  const rep: CaseReport = { total: 0, right: 0, byClass: new Map(), failures: [] };
  for (const c of cases) {
    const cls = c.class ?? c.family ?? 'other';
    const r = parse(c.caption);
    const bad = wrongFields(c, r);
    const k = rep.byClass.get(cls) ?? { total: 0, right: 0 };
    k.total++;
    rep.total++;
    if (!bad.length) {
      k.right++;
      rep.right++;
    } else {
      const got = { name: r.name, anime: r.anime, rarity: r.rarity, source_id: r.sourceId };
      rep.failures.push({
        cls,
        caption: c.caption,
        wrong: bad.map((f) => `${f}=${JSON.stringify(got[f])} (want ${JSON.stringify(c.expected[f])})`).join(', '),
      });
    }
    rep.byClass.set(cls, k);
  }
  return rep;
}

export function formatReport(rep: CaseReport, withFailures = true): string {
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  const lines = [`${rep.right}/${rep.total} fully right (${pct(rep.right, rep.total)})`];
  for (const [cls, k] of [...rep.byClass].sort()) lines.push(`  ${cls.padEnd(16)} ${k.right}/${k.total}`);
  if (withFailures)
    for (const f of rep.failures) lines.push(`  ✗ [${f.cls}] ${JSON.stringify(f.caption).slice(0, 80)} → ${f.wrong}`);
  return lines.join('\n');
}

if (process.argv[1] && /case-eval\.[tj]s$/.test(process.argv[1])) {
  const quiet = process.argv.includes('--summary');
  for (const file of process.argv.slice(2).filter((a) => !a.startsWith('--'))) {
    console.log(`${file}: ${formatReport(scoreCases(loadCases(file)), !quiet)}`);
  }
}
