// Per-channel caption templates. Two forms:
//   pattern: "{name} - {anime}", "🍀 Name: {name}\nAnime: {anime}", "{_}" skips text;
//   regex:   "/^(?<source_id>\d+): (?<name>.+)$/m" with named groups from the same field set.
// Patterns are matched without regular expressions (literal search left to right), so a
// template can never backtrack catastrophically; regexes are screened for nested quantifiers.
import { normalizeCaptionText } from './normalize.js';
import { parseCaption } from './parse-caption.js';
import type { CompiledTemplate, ParsedCaption, TemplateField, TemplateMatch } from './types.js';

export const TEMPLATE_FIELDS: readonly TemplateField[] = [
  'name',
  'anime',
  'rarity',
  'rarity_emoji',
  'source_id',
  'variant',
];
const FIELD_SET = new Set<string>([...TEMPLATE_FIELDS, '_']);
/** Regex templates only ever see this much text (a caption is ≤ 2048 chars). */
const REGEX_INPUT_LIMIT = 4096;

type Segment = { lit: string } | { field: TemplateField | '_' };

function fold(s: string): string {
  return foldWithMap(s).f;
}

/**
 * Case- and space-insensitive form for literal comparison (VS16 differs between clients), with
 * map[i] = index in the original of folded char i, so values are cut from the original text.
 */
function foldWithMap(s: string): { f: string; map: number[] } {
  let f = '';
  const map: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\uFE0F') continue;
    if (ch === ' ' || ch === '\t') {
      if (f.endsWith(' ')) continue;
      f += ' ';
    } else {
      const lo = ch.toLowerCase();
      f += lo.length === 1 ? lo : ch;
    }
    map.push(i);
  }
  map.push(s.length);
  return { f, map };
}

function parsePattern(src: string): Segment[][] {
  const text = normalizeCaptionText(src.replace(/\\n/g, '\n'));
  const lines: Segment[][] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line) continue;
    const segs: Segment[] = [];
    let i = 0;
    while (i < line.length) {
      const open = line.indexOf('{', i);
      const close = line.indexOf('}', i);
      if (close !== -1 && (open === -1 || close < open))
        throw new Error(`Invalid template: unmatched "}" at "${line.slice(close, close + 20)}"`);
      if (open === -1) {
        segs.push({ lit: line.slice(i) });
        break;
      }
      if (open > i) segs.push({ lit: line.slice(i, open) });
      const end = line.indexOf('}', open);
      if (end === -1) throw new Error(`Invalid template: unclosed "{" in "${line}"`);
      const name = line.slice(open + 1, end).trim();
      if (!FIELD_SET.has(name)) {
        throw new Error(
          `Invalid template: unknown field {${name}}; allowed: ${[...FIELD_SET].map((f) => `{${f}}`).join(', ')}`,
        );
      }
      const prev = segs[segs.length - 1];
      if (prev && 'field' in prev)
        throw new Error(`Invalid template: {${prev.field}}{${name}} need literal text between them`);
      segs.push({ field: name as TemplateField | '_' });
      i = end + 1;
    }
    lines.push(
      segs
        .map((s) => ('lit' in s ? { lit: fold(s.lit) } : s))
        .filter((s) => !('lit' in s) || s.lit.trim() !== '' || s.lit === ' '),
    );
  }
  return lines;
}

/** Match one template line against one caption line: literals are searched left to right. */
function matchLine(segs: readonly Segment[], line: string, out: Partial<Record<TemplateField, string>>): string | null {
  const { f, map } = foldWithMap(line);
  let pos = 0;
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k]!;
    if ('lit' in seg) {
      if (k === 0) {
        if (!f.trimStart().startsWith(seg.lit.trimStart())) return `line does not start with "${seg.lit.trim()}"`;
        pos = f.length - f.trimStart().length + seg.lit.trimStart().length;
      }
      continue;
    }
    const next = segs[k + 1];
    let end: number;
    if (!next) end = f.length;
    else {
      const lit = (next as { lit: string }).lit;
      const isLast = k + 1 === segs.length - 1;
      // The final literal closes the line ("({anime})"), so take its last occurrence.
      end = isLast ? f.lastIndexOf(lit.trimEnd()) : f.indexOf(lit, pos);
      if (end < pos) return `"${lit.trim()}" not found after {${seg.field}}`;
      if (isLast && f.slice(end + lit.trimEnd().length).trim() !== '') return `text after "${lit.trim()}"`;
    }
    const value = line.slice(map[pos] ?? line.length, map[end] ?? line.length).trim();
    if (!value) return `{${seg.field}} is empty`;
    if (seg.field !== '_') out[seg.field] = value;
    if (next) pos = end + (next as { lit: string }).lit.length;
  }
  return null;
}

function compilePattern(src: string): CompiledTemplate {
  const tl = parsePattern(src);
  const fields = tl.flat().flatMap((s) => ('field' in s && s.field !== '_' ? [s.field] : []));
  if (!fields.length) throw new Error('Invalid template: it names no field ({name}, {anime}, …)');
  if (new Set(fields).size !== fields.length) throw new Error('Invalid template: a field appears twice');
  return {
    kind: 'pattern',
    source: src,
    fields,
    match(text: string): TemplateMatch {
      const lines = text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      let reason = 'caption is empty';
      // Template lines match consecutive non-empty caption lines, starting anywhere.
      for (let start = 0; start + tl.length <= lines.length; start++) {
        const out: Partial<Record<TemplateField, string>> = {};
        let fail: string | null = null;
        for (let j = 0; j < tl.length && !fail; j++) fail = matchLine(tl[j]!, lines[start + j]!, out);
        if (!fail) return { ok: true, fields: out };
        if (start === 0) reason = fail;
      }
      return { ok: false, reason };
    },
  };
}

// (x+)+, (x*)*, (x+)* … : the classic exponential shapes.
const NESTED_QUANTIFIER_RE = /\((?:[^()\\]|\\.)*[+*]\)[+*{]/;

function compileRegex(src: string): CompiledTemplate {
  const m = /^\/([\s\S]+)\/([a-z]*)$/.exec(src.trim());
  if (!m) throw new Error('Invalid template: a regular expression must look like /pattern/flags');
  const flags = m[2]!.replace(/[gy]/g, '');
  let re: RegExp;
  try {
    re = new RegExp(m[1]!, flags);
  } catch (e) {
    throw new Error(`Invalid template: bad regular expression: ${(e as Error).message}`, { cause: e });
  }
  if (NESTED_QUANTIFIER_RE.test(m[1]!))
    throw new Error('Invalid template: nested quantifiers such as (a+)+ can hang the parser');
  const groups = [...m[1]!.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((g) => g[1]!);
  const unknown = groups.filter((g) => !FIELD_SET.has(g));
  if (unknown.length)
    throw new Error(
      `Invalid template: unknown named group(s) ${unknown.join(', ')}; allowed: ${TEMPLATE_FIELDS.join(', ')}`,
    );
  const fields = groups.filter((g): g is TemplateField => g !== '_');
  if (!fields.length) throw new Error('Invalid template: the regular expression has no named group such as (?<name>…)');
  return {
    kind: 'regex',
    source: src,
    fields,
    match(text: string): TemplateMatch {
      const r = re.exec(text.slice(0, REGEX_INPUT_LIMIT));
      if (!r) return { ok: false, reason: 'regular expression did not match' };
      const out: Partial<Record<TemplateField, string>> = {};
      for (const f of fields) {
        const v = r.groups?.[f];
        if (v !== undefined && v.trim()) out[f] = v.trim();
      }
      return { ok: true, fields: out };
    },
  };
}

/** Compile a channel template; throws an Error with a readable message when invalid. */
export function compileTemplate(src: string): CompiledTemplate {
  if (typeof src !== 'string' || !src.trim()) throw new Error('Invalid template: it is empty');
  return src.trim().startsWith('/') ? compileRegex(src) : compilePattern(src);
}

export interface TemplatePreview {
  total: number;
  parsed: number;
  failed: Array<{ caption: string; reason: string }>;
  samples: Array<{ caption: string; result: ParsedCaption }>;
}

/** Dry-run a template over a channel's stored captions (pure; an API endpoint wraps it). */
export function previewTemplate(template: CompiledTemplate | string, captions: readonly string[]): TemplatePreview {
  const t = typeof template === 'string' ? compileTemplate(template) : template;
  const res: TemplatePreview = { total: captions.length, parsed: 0, failed: [], samples: [] };
  for (const caption of captions) {
    const result = parseCaption(caption, null, { template: t });
    if (result.family === 'template') {
      res.parsed++;
      if (res.samples.length < 20) res.samples.push({ caption, result });
    } else if (res.failed.length < 20) {
      const m = t.match(normalizeCaptionText(caption ?? '').trim());
      res.failed.push({ caption, reason: m.ok ? 'matched, but name, anime and id are all empty' : m.reason });
    }
  }
  return res;
}
