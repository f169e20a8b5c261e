/**
 * .env.example is complete and valid, and docs/operations.md documents every variable in it: the app's
 * (the zod schema in core/src/config/env.ts), docker-compose.yml's ${…} and the proxy's.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { loadConfig } from '@waifudex/core/config/env';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (f: string) => fs.readFileSync(path.join(repo, f), 'utf8');

const example = parseDotenv(read('.env.example'));
const docs = read('docs/operations.md');

/** Variable names of the app's env schema (the keys of `envSchema = z.object({ … })`). */
function schemaKeys(): string[] {
  const src = read('core/src/config/env.ts');
  const start = src.indexOf('const envSchema = z.object({');
  expect(start).toBeGreaterThan(-1);
  const body = src.slice(start, src.indexOf('\n});', start));
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
}

describe('.env.example and docs/operations.md', () => {
  it('lists every variable the app reads', () => {
    const keys = schemaKeys();
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.filter((k) => !(k in example))).toEqual([]);
  });

  it('lists every variable docker-compose.yml substitutes', () => {
    const used = new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((k) => !(k in example))).toEqual([]);
  });

  it('is a valid configuration as it stands', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });

  it("every variable in it, and every one the proxy's render script reads, is documented", () => {
    const proxyVars = [...read('deploy/nginx/40-waifudex-config.sh').matchAll(/^: "\$\{([A-Z][A-Z0-9_]*):=/gm)].map(
      (m) => m[1]!,
    );
    expect(proxyVars).toEqual(expect.arrayContaining(['SERVER_NAME', 'WAIFUDEX_UPSTREAM', 'RELOAD_INTERVAL']));
    const undocumented = [...Object.keys(example), ...proxyVars].filter((k) => !docs.includes(`\`${k}\``));
    expect(undocumented).toEqual([]);
  });
});
