/** Realistic-looking names built from syllables (not hex), and one-letter typos of them, for the text benches. */
// enough syllables that names are as varied as a real gallery's (a handful would make every query match thousands)
const SYLLABLES =
  'ka ri mo na shi ro yu ki ha to mi su ne ra ko ai lu ze fa do be chi ga hi ju ke ma no pa qui sa te u vi wa xe yo zu bri cla dre fro gla kre pli sta tho vel mar nor cas len dar ion ess ath'.split(
    ' ',
  );

export function word(r: () => number, n = 2 + Math.floor(r() * 3)): string {
  let w = '';
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
  return w[0]!.toUpperCase() + w.slice(1);
}

/** One typo: a dropped, doubled or swapped letter. */
export function typo(s: string, r: () => number): string {
  const i = 1 + Math.floor(r() * (s.length - 2));
  const k = Math.floor(r() * 3);
  if (k === 0) return s.slice(0, i) + s.slice(i + 1);
  if (k === 1) return s.slice(0, i) + s[i] + s.slice(i);
  return s.slice(0, i - 1) + s[i] + s[i - 1] + s.slice(i + 1);
}
