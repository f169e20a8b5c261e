// Template induction: propose a channel's caption template from its stored captions instead of
// writing it by hand. Captions are clustered by shape (line kinds, label fields, line count); the
// largest clusters give candidate templates, built from an exemplar whose fields the built-in
// parser found, and each candidate is scored over the whole channel ("parses 97% of 4,120 posts").
// Pure and linear in the number of captions times the (small, bounded) number of candidates.
import type { ChannelContext } from './channel-context.js';
import { captionText, parseCaption } from './parse-caption.js';
import { splitLines, type Line } from './lines.js';
import { compileTemplate } from './template.js';
import type { ParsedCaption, TemplateField } from './types.js';

export interface TemplateProposal {
  /** Pattern template text, ready for the channel's caption_template. */
  template: string;
  fields: TemplateField[];
  /** Posts of the channel the template parses (a name or an id comes out). */
  parsed: number;
  total: number;
  /** parsed / total, 0..1. */
  coverage: number;
  /** Of the parsed posts, how many give the same name as the built-in parser (0..1). */
  agreement: number;
  /** Posts in the shape cluster the template was built from. */
  clusterSize: number;
  /** One caption of that cluster. */
  example: string;
}

export interface InductionOptions {
  channel?: ChannelContext | null;
  /** Proposals returned (default 3). */
  max?: number;
}

const MAX_CLUSTERS = 5;
const EXEMPLARS_PER_CLUSTER = 2;

function shapeOf(lines: readonly Line[]): string {
  const parts: string[] = [];
  for (const l of lines) {
    if (l.kind === 'blank') continue;
    parts.push(l.label && (l.kind === 'label' || l.kind === 'idName') ? `${l.kind}:${l.label.field}` : l.kind);
  }
  return parts.join(',');
}

interface Placement {
  line: number;
  start: number;
  end: number;
  field: TemplateField;
}

function findValue(lines: readonly string[], value: string, taken: readonly Placement[], from = 0): Placement | null {
  const v = value.toLowerCase();
  for (let i = from; i < lines.length; i++) {
    const lower = lines[i]!.toLowerCase();
    let at = lower.indexOf(v);
    while (at >= 0) {
      const end = at + v.length;
      if (!taken.some((p) => p.line === i && at < p.end && end > p.start))
        return { line: i, start: at, end, field: 'name' };
      at = lower.indexOf(v, at + 1);
    }
  }
  return null;
}

/**
 * A pattern template for one caption whose fields are known: each field's text is replaced by
 * its placeholder, the text after a line's last field is left to that field (it is cleaned like
 * any value), and lines without a field become {_} between field lines.
 */
export function templateFromExample(text: string, parsed: ParsedCaption): string | null {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const wanted: Array<[TemplateField, string | null]> = [
    ['source_id', parsed.sourceId],
    ['name', parsed.name],
    ['anime', parsed.anime],
    ['rarity', parsed.rarity],
  ];
  const placed: Placement[] = [];
  for (const [field, value] of wanted) {
    if (!value) continue;
    const p = findValue(lines, value, placed);
    if (!p) {
      if (field === 'name') return null; // joined or rebuilt names cannot be cut back out of the text
      continue;
    }
    placed.push({ ...p, field });
  }
  const rarity = placed.find((p) => p.field === 'rarity');
  if (rarity && parsed.rarityEmoji && parsed.rarityEmoji !== parsed.rarity) {
    // The emoji varies with the rarity, so it is a field too when it sits on the rarity's line.
    const line = lines[rarity.line]!;
    const at = line.indexOf(parsed.rarityEmoji);
    if (
      at >= 0 &&
      !placed.some((p) => p.line === rarity.line && at < p.end && at + parsed.rarityEmoji!.length > p.start)
    ) {
      placed.push({ line: rarity.line, start: at, end: at + parsed.rarityEmoji.length, field: 'rarity_emoji' });
    }
  }
  if (!placed.some((p) => p.field === 'name')) return null;
  const first = Math.min(...placed.map((p) => p.line));
  const last = Math.max(...placed.map((p) => p.line));
  const out: string[] = [];
  for (let i = first; i <= last; i++) {
    const line = lines[i]!;
    const here = placed.filter((p) => p.line === i).sort((a, b) => a.start - b.start);
    if (!here.length) {
      out.push('{_}');
      continue;
    }
    let t = line.slice(0, here[0]!.start);
    for (let k = 0; k < here.length; k++) {
      const p = here[k]!;
      t += `{${p.field}}`;
      const next = here[k + 1];
      if (!next) break;
      const between = line.slice(p.end, next.start);
      // Two fields need literal text between them; a field glued to the next one keeps only the first.
      if (!between.trim() && !between) {
        here.splice(k + 1, 1);
        k--;
        continue;
      }
      t += between;
    }
    // Braces inside literal text cannot be written in a pattern.
    if (/[{}]/.test(t.replace(/\{(?:source_id|name|anime|rarity|rarity_emoji|_)\}/g, ''))) return null;
    out.push(t);
  }
  return out.join('\n');
}

/** "{name}" alone matches any caption: a template needs literal text or two fields. */
function specific(template: string): boolean {
  const fields = template.match(/\{(?!_\})[a-z_]+\}/g)?.length ?? 0;
  const literal = template.replace(/\{[a-z_]+\}/g, '').replace(/\s+/g, '');
  return literal.length > 0 || fields >= 2;
}

/** Propose up to `max` templates for a channel, best coverage first. */
export function proposeTemplates(captions: readonly string[], o: InductionOptions = {}): TemplateProposal[] {
  const texts: string[] = [];
  const parses: ParsedCaption[] = [];
  const clusters = new Map<string, number[]>();
  for (const caption of captions) {
    const text = captionText(caption);
    const i = texts.length;
    texts.push(text);
    const parsed = parseCaption(caption, null, { channel: o.channel ?? null });
    parses.push(parsed);
    if (parsed.kind !== 'character' || !parsed.name) continue;
    const shape = shapeOf(splitLines(text));
    const members = clusters.get(shape);
    if (members) members.push(i);
    else clusters.set(shape, [i]);
  }
  // A layout seen once is not the channel's template (unless the channel has only a handful of posts).
  const minMembers = texts.length >= 5 ? 2 : 1;
  const ranked = [...clusters.values()]
    .filter((m) => m.length >= minMembers)
    .sort((a, b) => b.length - a.length)
    .slice(0, MAX_CLUSTERS);
  const seen = new Set<string>();
  const proposals: TemplateProposal[] = [];
  for (const members of ranked) {
    const picks = [members[0]!, members[Math.floor(members.length / 2)]!].slice(0, EXEMPLARS_PER_CLUSTER);
    for (const idx of picks) {
      const template = templateFromExample(texts[idx]!, parses[idx]!);
      if (!template || seen.has(template) || !specific(template)) continue;
      seen.add(template);
      let compiled;
      try {
        compiled = compileTemplate(template);
      } catch {
        continue;
      }
      let parsed = 0;
      let agree = 0;
      for (let i = 0; i < texts.length; i++) {
        // Cheap literal match first; the full parse (events and legends never count) only on a hit.
        if (!compiled.match(texts[i]!).ok) continue;
        const r = parseCaption(captions[i]!, null, { template: compiled, channel: o.channel ?? null });
        if (r.family !== 'template' || r.kind !== 'character') continue;
        parsed++;
        const base = parses[i]!.name;
        if (r.name && base && r.name.toLowerCase() === base.toLowerCase()) agree++;
      }
      // a template that reads none of the posts, not even its own example, is no proposal
      if (parsed === 0) continue;
      proposals.push({
        template,
        fields: compiled.fields.slice(),
        parsed,
        total: texts.length,
        coverage: texts.length ? Math.round((parsed / texts.length) * 1000) / 1000 : 0,
        agreement: parsed ? Math.round((agree / parsed) * 1000) / 1000 : 0,
        clusterSize: members.length,
        example: captions[idx]!,
      });
    }
  }
  // Posts parsed the way the built-in parser reads them first: a loose template that also matches
  // other layouts gets less agreement.
  proposals.sort((a, b) => b.parsed * b.agreement - a.parsed * a.agreement || b.parsed - a.parsed);
  return proposals.slice(0, o.max ?? 3);
}
