import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildChannelContext } from './channel-context.js';
import { proposeTemplates, templateFromExample } from './induce-template.js';
import { captionText, parseCaption } from './parse-caption.js';
import { compileTemplate } from './template.js';

const DATA = JSON.parse(readFileSync(new URL('./testdata/characters.json', import.meta.url), 'utf8')) as {
  series: Record<string, string[]>;
};
const PAIRS = Object.entries(DATA.series).flatMap(([anime, names]) => names.map((name) => ({ name, anime })));
const RARITIES = [
  ['🟡', 'Legendary'],
  ['🟣', 'Rare'],
  ['🟢', 'Common'],
  ['💮', 'Special Edition'],
] as const;

const owo = (p: { name: string; anime: string }, i: number) => {
  const [emoji, rarity] = RARITIES[i % RARITIES.length]!;
  return `OwO! Check out this character!\n\n${p.anime}\n${100 + i}: ${p.name}${i % 5 ? '' : ' [👘]'}\n(${emoji} 𝙍𝘼𝙍𝙄𝙏𝙔: ${rarity})\n\n➼ ᴀᴅᴅᴇᴅ ʙʏ: Amiya`;
};
const labelled = (p: { name: string; anime: string }, i: number) =>
  `🌸 Name: ${p.name}\n📺 Anime: ${p.anime}\n🆔 ID: ${String(i).padStart(4, '0')}\n\nAdded by Dev`;
const NOT_CHARACTERS = [
  'Rarity Map:\n1 - ⚪ Common\n2 - 🟣 Rare\n3 - 🟡 Legendary',
  '📢 New update tomorrow!',
  '🌸🌸🌸',
];

describe('template induction', () => {
  it('proposes the OwO template with its coverage, and the template parses the posts', () => {
    const captions = [...PAIRS.map(owo), ...NOT_CHARACTERS];
    const [best] = proposeTemplates(captions);
    expect(best!.template).toBe('{anime}\n{source_id}: {name}\n({rarity_emoji} RARITY: {rarity}');
    expect(best!.total).toBe(captions.length);
    expect(best!.parsed).toBe(PAIRS.length);
    expect(best!.coverage).toBeCloseTo(PAIRS.length / captions.length, 3);
    expect(best!.agreement).toBe(1);
    const t = compileTemplate(best!.template);
    const r = parseCaption(owo(PAIRS[0]!, 0), null, { template: t });
    expect(r).toMatchObject({
      family: 'template',
      name: PAIRS[0]!.name,
      anime: PAIRS[0]!.anime,
      rarity: 'Legendary',
      sourceId: '100',
    });
    // The accepted template does not make the legend a character.
    expect(parseCaption(NOT_CHARACTERS[0]!, null, { template: t }).kind).not.toBe('character');
  });

  it('ranks the layouts of a channel that two bots post into', () => {
    const captions = PAIRS.map((p, i) => (i % 10 < 7 ? owo(p, i) : labelled(p, i)));
    const props = proposeTemplates(captions);
    expect(props.length).toBeGreaterThanOrEqual(2);
    expect(props[0]!.coverage).toBeGreaterThan(0.6);
    expect(props[1]!.template).toBe('🌸 Name: {name}\n📺 Anime: {anime}\n🆔 ID: {source_id}');
    expect(props[1]!.coverage).toBeGreaterThan(0.25);
    expect(props[0]!.coverage + props[1]!.coverage).toBeCloseTo(1, 2);
  });

  it('proposes "{anime} - {name}" for a series-first channel, from the channel statistics', () => {
    const captions = PAIRS.map((p) => `${p.anime} - ${p.name}`);
    const [best] = proposeTemplates(captions, { channel: buildChannelContext(captions) });
    expect(best!.template).toBe('{anime} - {name}');
    expect(best!.coverage).toBe(1);
  });

  it('builds nothing from a caption whose name cannot be cut back out of its text', () => {
    const text = captionText('Rem & Ram - Re:Zero');
    expect(templateFromExample(text, parseCaption('Rem & Ram - Re:Zero'))).toBeNull();
    expect(proposeTemplates([])).toEqual([]);
    expect(proposeTemplates(NOT_CHARACTERS)).toEqual([]);
  });

  it('never proposes a template that parses none of the posts (found by the property test)', () => {
    for (const p of proposeTemplates([' - [\n - ⼀'])) expect(p.parsed).toBeGreaterThan(0);
  });
});
