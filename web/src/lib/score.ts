/** The engine's score is a 0–100 similarity (a 0–1 fraction is accepted too); shown as a whole percentage. */
export function scorePct(s: number | null | undefined): string | null {
  if (typeof s !== 'number' || !Number.isFinite(s)) return null;
  return `${Math.round(Math.min(100, Math.max(0, s <= 1 ? s * 100 : s)))}%`;
}

/** "2.4 MB", "180 KB". */
export function formatBytes(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** "359 ms", "2.3 s". */
export const formatMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
