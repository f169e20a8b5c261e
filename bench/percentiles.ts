/** Small figures helpers of the scale bench. */

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}
export const r3 = (x: number) => Math.round(x * 1000) / 1000;
