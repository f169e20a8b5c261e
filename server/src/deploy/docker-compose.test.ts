/** docker-compose.yml, checked with the real `docker-compose config` (CI installs it; no engine needed). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repo } from '../testing/dockerfile.js';

describe('docker-compose.yml', () => {
  const hasCompose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).status === 0;
  if (!hasCompose)
    console.warn('[docker-commands] docker-compose is not on PATH: skipping `docker-compose config` (CI installs it)');

  interface ComposeService {
    profiles?: string[];
    depends_on?: Record<string, { condition: string }>;
    environment?: Record<string, string | null>;
    command?: string[];
    ports?: Array<string | { target: number; published: string | number; host_ip?: string }>;
    build?: { target?: string };
    volumes?: Array<string | { source?: string; target: string }>;
  }
  type Compose = { services: Record<string, ComposeService> };
  const seen = new Map<string, Compose>();
  /**
   * `docker-compose config` for the given profiles, parsed; the same question is asked of the CLI once
   * per file (each run is a Python start-up of about half a second of CPU).
   */
  const config = (
    profiles: string[],
    env: NodeJS.ProcessEnv = { ...process.env, POSTGRES_PASSWORD: 'config-check' },
  ): Compose => {
    const args = [...profiles.flatMap((p) => ['--profile', p]), '-f', 'docker-compose.yml', 'config'];
    const key = JSON.stringify([args, env]);
    const known = seen.get(key);
    if (known) return structuredClone(known);
    const r = spawnSync('docker-compose', args, { cwd: repo, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const parsed = parseYaml(r.stdout) as Compose;
    seen.set(key, parsed);
    return structuredClone(parsed);
  };

  it.skipIf(!hasCompose)('passes `docker-compose config -q` for every profile, with and without .env.example', () => {
    for (const profiles of [[], ['proxy']]) {
      const flags = profiles.flatMap((p) => ['--profile', p]);
      config(profiles); // exits 0 (it validates exactly as `config -q` does, and prints the result)
      // .env.example is a complete, valid env file for compose
      const e = spawnSync(
        'docker-compose',
        [...flags, '--env-file', '.env.example', '-f', 'docker-compose.yml', 'config', '-q'],
        { cwd: repo, encoding: 'utf8' },
      );
      expect(e.status, `${profiles.join(',') || 'default'} with .env.example: ${e.stderr}`).toBe(0);
    }
    // (docker-compose v1 lists every service whatever the profile; v2 only the active ones)
    const inProfile = (profile: string | null) =>
      Object.entries(config(profile ? [profile] : []).services)
        .filter(([, sv]) => (profile ? (sv.profiles ?? []).includes(profile) : !sv.profiles?.length))
        .map(([name]) => name)
        .sort();
    expect(inProfile(null)).toEqual(['db', 'migrate', 'scraper', 'server']);
    expect(inProfile('proxy')).toEqual(['certbot', 'proxy']);
  });

  it.skipIf(!hasCompose)(
    'migrations run once, in the one-shot migrate service, before server and scraper start',
    () => {
      const { services } = config([]);
      expect(services.migrate!.command).toEqual(['node', 'core/dist/db/migrate-cli.js']);
      expect(fs.existsSync(path.join(repo, 'core/src/db/migrate-cli.ts'))).toBe(true);
      expect(services.migrate!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
      for (const name of ['server', 'scraper']) {
        expect(services[name]!.depends_on, name).toEqual({ migrate: { condition: 'service_completed_successfully' } });
      }
    },
  );

  it.skipIf(!hasCompose)(
    "the proxy forwards to the server with the app's upload limit; IMAGE_TARGET picks the CLIP images",
    async () => {
      const { loadConfig } = await import('@waifudex/core/config/env');
      const appDefault = loadConfig({}).maxUploadBytes;
      const { services } = config(['proxy']);
      expect(services.proxy!.environment!.MAX_UPLOAD_BYTES).toBe(String(appDefault));
      expect(services.server!.environment!.MAX_UPLOAD_BYTES).toBe(String(appDefault));
      expect(services.proxy!.environment!.WAIFUDEX_UPSTREAM).toBe('server:8080');
      expect(services.proxy!.depends_on).toEqual({ server: { condition: 'service_healthy' } });
      // the mounted render script and config folder exist
      const mounts = (services.proxy!.volumes ?? []).map((v) =>
        typeof v === 'string' ? v.split(':')[0]! : (v.source ?? ''),
      );
      for (const m of mounts.filter((m) => m.startsWith('/') || m.startsWith('.')))
        expect(fs.existsSync(path.resolve(repo, m)), m).toBe(true);
      // an operator's value reaches both, and TRUST_PROXY / BIND_ADDRESS / IMAGE_TARGET pass through
      const env = {
        ...process.env,
        POSTGRES_PASSWORD: 'config-check',
        MAX_UPLOAD_BYTES: '1048576',
        TRUST_PROXY: '1',
        BIND_ADDRESS: '127.0.0.1',
        IMAGE_TARGET: 'runtime-clip',
      };
      const custom = config(['proxy'], env).services;
      expect(custom.proxy!.environment!.MAX_UPLOAD_BYTES).toBe('1048576');
      expect(custom.server!.environment!.MAX_UPLOAD_BYTES).toBe('1048576');
      expect(custom.server!.environment!.TRUST_PROXY).toBe('1');
      expect(JSON.stringify(custom.server!.ports)).toMatch(/127\.0\.0\.1/);
      for (const name of ['server', 'scraper', 'migrate'])
        expect(custom[name]!.build?.target, name).toBe('runtime-clip');
      for (const name of ['server', 'scraper']) expect(config([]).services[name]!.build?.target, name).toBe('runtime');
    },
  );

  it.skipIf(!hasCompose)('refuses to start without POSTGRES_PASSWORD, naming it', () => {
    const env = { ...process.env };
    delete env.POSTGRES_PASSWORD;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-compose-')); // no .env here
    try {
      fs.copyFileSync(path.join(repo, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
      const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/POSTGRES_PASSWORD/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
