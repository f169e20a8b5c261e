import { describe, expect, it } from 'vitest';
import { compileTemplate, previewTemplate } from './template.js';

describe('compileTemplate', () => {
  it.each([
    ['', /empty/],
    ['{name} - {anim}', /unknown field \{anim\}/],
    ['{name}{anime}', /literal text between/],
    ['{name} - {name}', /appears twice/],
    ['Name: {name', /unclosed/],
    ['Name} {name}', /unmatched/],
    ['just text', /names no field/],
    ['/(?<name>.+/', /bad regular expression/],
    ['/(?<nmae>.+)/', /unknown named group/],
    ['/(.+)/', /no named group/],
    ['/(?<name>(a+)+)$/', /nested quantifiers/],
  ])('rejects %j with a clear error', (src, msg) => {
    expect(() => compileTemplate(src)).toThrow(msg);
  });

  it('matches a one-line pattern, case- and space-insensitively, keeping colons and hyphens', () => {
    const t = compileTemplate('{name}  -  {anime}');
    expect(t.match('Jean-Pierre Polnareff - Re:Zero')).toEqual({
      ok: true,
      fields: { name: 'Jean-Pierre Polnareff', anime: 'Re:Zero' },
    });
  });

  it('takes the last occurrence of a closing literal ("({anime})")', () => {
    const t = compileTemplate('{name} ({anime})');
    expect(t.match('Sung Jin-Woo (Solo Leveling (나 혼자만 레벨업))')).toEqual({
      ok: true,
      fields: { name: 'Sung Jin-Woo', anime: 'Solo Leveling (나 혼자만 레벨업)' },
    });
  });

  it('matches multi-line patterns anywhere in the caption, with {_} skipping text', () => {
    const t = compileTemplate('✦ Card #{source_id} ✦\n{name} of {anime}\nTier: {rarity_emoji} {rarity}\n{_} by {_}');
    const cap = 'Weekly drop!\n✦ CARD #0042 ✦\nRem of Re:Zero\ntier: 🟡 Legendary\nUploaded by Ravi';
    expect(t.match(cap)).toEqual({
      ok: true,
      fields: { source_id: '0042', name: 'Rem', anime: 'Re:Zero', rarity_emoji: '🟡', rarity: 'Legendary' },
    });
  });

  it('regex templates use named groups', () => {
    const t = compileTemplate('/^№(?<source_id>\\d+) (?<name>[^/]+?) \\/\\/ (?<anime>.+)$/m');
    expect(t.kind).toBe('regex');
    expect(t.match('№007 Power // Chainsaw Man')).toEqual({
      ok: true,
      fields: { source_id: '007', name: 'Power', anime: 'Chainsaw Man' },
    });
  });

  it('explains why a caption failed', () => {
    const t = compileTemplate('{name} ✦ {anime}');
    const m = t.match('Nico Robin - One Piece');
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.reason).toMatch(/"✦" not found/);
  });
});

describe('previewTemplate', () => {
  it('counts parsed and failed captions and keeps samples', () => {
    const caps = [
      'Rem ✦ Re:Zero',
      'Power ✦ Chainsaw Man',
      'Nico Robin - One Piece',
      '',
      ...Array.from({ length: 30 }, (_, i) => `N${i} ✦ A${i}`),
    ];
    const p = previewTemplate('{name} ✦ {anime}', caps);
    expect(p.total).toBe(34);
    expect(p.parsed).toBe(32);
    expect(p.failed.map((f) => f.caption)).toEqual(['Nico Robin - One Piece', '']);
    expect(p.samples).toHaveLength(20);
    expect(p.samples[0]).toMatchObject({
      caption: 'Rem ✦ Re:Zero',
      result: { name: 'Rem', anime: 'Re:Zero', family: 'template' },
    });
  });

  it('throws on an invalid template string', () => {
    expect(() => previewTemplate('{nam}', ['x'])).toThrow(/unknown field/);
  });
});
