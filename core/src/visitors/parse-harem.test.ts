import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHarem } from './parse-harem.js';
import { parseCsv, toCsv, unguard } from './csv.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata/harem');
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const brief = (text: string) => parseHarem(text).entries.map((e) => [e.id, e.name, e.anime, e.count]);

const NARUTO_AND_HU_TAO = [
  ['7', 'Naruto Uzumaki', 'Naruto', 1],
  ['123', 'Sakura Haruno', 'Naruto', 3],
  ['2001', 'Hu Tao', 'Genshin Impact', 2],
];

describe('harem paste, one fixture per bot family', () => {
  it('plain "<id> <name> ×<n>" under "<anime> <owned>/<total>" (plain text and raw HTML)', () => {
    const expected = [
      ['7', 'Naruto Uzumaki', 'Naruto', 1],
      ['123', 'Sakura Haruno', 'Naruto', 3],
      ['412', 'Vladilena Milize', '86 Eighty Six', 1],
    ];
    expect(brief(read('plain.txt'))).toEqual(expected);
    expect(brief(read('plain.html'))).toEqual(expected);
    expect(parseHarem(read('plain.txt')).family).toBe('plain');
  });

  it('rarity in ⌠ ⌡ brackets, with 〔〕/﹝〕 group counts, the 𝐈𝐃 : label and box lines', () => {
    expect(brief(read('bracket.txt'))).toEqual(NARUTO_AND_HU_TAO);
    expect(brief(read('bracket-id-label.txt'))).toEqual(NARUTO_AND_HU_TAO);
    expect(parseHarem(read('bracket.txt')).entries[0]!.rarity).toBe('🟡');
    expect(parseHarem(read('bracket-id-label.txt')).family).toBe('bracket');
  });

  it('piped "🆔️ id| rarity | name × n" with separator lines', () => {
    const p = parseHarem(read('piped.txt'));
    expect(brief(read('piped.txt'))).toEqual(NARUTO_AND_HU_TAO);
    expect(p.family).toBe('piped');
    expect(p.entries[2]!.rarity).toBe('Limited Edition');
  });

  it('"<id> (<rarity>) <name> ×<n>" under a bare anime line', () => {
    const p = parseHarem(read('rarity.txt'));
    expect(brief(read('rarity.txt'))).toEqual(NARUTO_AND_HU_TAO);
    expect(p.family).toBe('rarity');
    expect(p.entries[0]!.rarity).toBe('🟡 Legendary');
  });

  it('the grabber id style "<id>: <name> [<variant>]" (variant tag left out of the name)', () => {
    expect(brief(read('id-colon.txt'))).toEqual([
      ['10895', 'Rock Lee', 'Naruto / Boruto', 1],
      ['7', 'Naruto Uzumaki', 'Naruto / Boruto', 1],
      ['123', 'Sakura Haruno', 'Naruto / Boruto', 1],
    ]);
    expect(parseHarem(read('id-colon.txt')).family).toBe('id_colon');
  });

  it('a hand-made list of names', () => {
    const p = parseHarem(read('names.txt'));
    expect(p.family).toBe('names');
    expect(p.entries.map((e) => e.name)).toEqual(['Naruto Uzumaki', 'Sakura Haruno', 'Hu Tao']);
  });

  it('nothing usable gives no entries, and huge or hostile input stays fast', () => {
    expect(parseHarem('⚋⚋⚋\n\n╭──╮').entries).toEqual([]);
    const t0 = performance.now();
    parseHarem(`${'1'.repeat(50_000)} ×`.repeat(3) + '\n' + '⌠'.repeat(100_000) + '\n' + 'a |'.repeat(30_000));
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('collection CSV', () => {
  it('round-trips quotes, commas, newlines, and guards formula-looking cells', () => {
    const csv = toCsv(
      ['a', 'b'],
      [
        ['Rock "Lee", jr', '=HYPERLINK("x")'],
        ['line\nbreak', null],
      ],
    );
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['a', 'b']);
    expect(rows[1]!.map(unguard)).toEqual(['Rock "Lee", jr', '=HYPERLINK("x")']);
    expect(rows[1]![1]).toBe('\'=HYPERLINK("x")');
    expect(rows[2]).toEqual(['line\nbreak', '']);
  });
});
