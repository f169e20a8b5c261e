import fs from 'node:fs';

/**
 * Fails the test file at once when a build output it runs is missing: a skipped test would pass a
 * change that was never built (`npm test` builds first; a lone `npx vitest run` needs `npm run build`).
 */
export function requireBuilt(...files: string[]): void {
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`missing build output ${missing.join(', ')}: run \`npm run build\` first`);
}
