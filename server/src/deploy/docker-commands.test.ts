/**
 * Keeps Dockerfile.server, Dockerfile.scraper and docker-compose.yml honest without a Docker engine.
 *
 * Always (fast): both Dockerfiles parse into deps → build → prod-deps(-clip) → runtime-base →
 * runtime-clip → runtime (the default target, lean) stages on node:24-bookworm(-slim); every COPY from
 * the build context names a file the repository has; the runtime targets are slim, run as `node` with
 * NODE_ENV=production, an exec-form command on a real entry point and a node HEALTHCHECK; only the clip
 * variant installs the root's optionalDependencies (the CLIP runtime); and, when docker-compose is on
 * PATH, `docker-compose config -q` accepts docker-compose.yml.
 *
 * Slow (CI, or RUN_DOCKER_COMMANDS_TEST=1; =0 skips it): replays each Dockerfile on the host, stage by
 * stage, in a temp folder, with the node on PATH (CI puts Node 24 there): the build context is the
 * repo's files as `git ls-files` lists them (tracked + untracked, not ignored: no node_modules, no dist);
 * every COPY and RUN of the build stages runs in order (npm ci re-uses the npm cache, offline first);
 * the runtime targets get only what their COPY --from lines copy. Then the lean server starts there on
 * a free port with temp DATA_DIR/IMAGES_DIR and CLIP_MODEL set: GET /api/health answers 200, the image's
 * HEALTHCHECK passes, and one log line says the CLIP runtime is missing; the clip variant loads a tiny
 * CLIP model; the scraper's HEALTHCHECK fails before its worker runs, passes while it runs (heartbeat
 * file) and fails on a stale heartbeat. node_modules sizes of the four runtime targets are printed.
 * Not replayed: RUN lines of the runtime stages (mkdir/chown of the volume folders under /), --chown,
 * USER and VOLUME.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { createTinyClipModel, type TinyClipModel } from '@waifudex/core/testing/tiny-clip-model';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// RUN_DOCKER_COMMANDS_TEST=1 runs the slow replay, =0 skips it (CI runs it once, on Node 24 when it has it).
const SLOW = process.env.RUN_DOCKER_COMMANDS_TEST ? process.env.RUN_DOCKER_COMMANDS_TEST === '1' : Boolean(process.env.CI);
const SLOW_TIMEOUT = 10 * 60_000;

// ---------- Dockerfile parsing ----------

interface Instruction {
  op: string; // upper-case instruction
  args: string; // text after the instruction, flags included
  flags: Record<string, string>; // --from=…, --chown=…
  rest: string; // args without the leading --flags
  line: number;
}
interface Stage {
  name: string;
  from: string; // image or earlier stage name
  instructions: Instruction[];
}

function parseDockerfile(file: string): Stage[] {
  const text = fs.readFileSync(path.join(repo, file), 'utf8');
  const stages: Stage[] = [];
  const lines = text.split('\n');
  let buf = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (!buf && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (buf && trimmed.startsWith('#')) continue; // comment inside a continued instruction
    if (!buf) startLine = i + 1;
    if (trimmed.endsWith('\\')) {
      buf += trimmed.slice(0, -1) + ' ';
      continue;
    }
    buf += trimmed;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(buf);
    buf = '';
    if (!m) throw new Error(`${file}:${startLine}: cannot parse instruction`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    const flags: Record<string, string> = {};
    let rest = args;
    for (;;) {
      const f = /^--([\w-]+)=(\S+)\s+/.exec(rest);
      if (!f) break;
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    if (op === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!fm) throw new Error(`${file}:${startLine}: bad FROM`);
      stages.push({ from: fm[1]!, name: fm[2] ?? `stage${stages.length}`, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${file}:${startLine}: ${op} before FROM`);
    stage.instructions.push({ op, args, flags, rest, line: startLine });
  }
  return stages;
}

/** COPY/ADD sources and destination; JSON form or whitespace-separated. */
function copyParts(ins: Instruction): { srcs: string[]; dest: string } {
  const parts = ins.rest.startsWith('[') ? (JSON.parse(ins.rest) as string[]) : ins.rest.split(/\s+/);
  return { srcs: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** Exec-form JSON array of CMD/ENTRYPOINT/HEALTHCHECK CMD. */
function execForm(text: string): string[] {
  const json = text.replace(/^CMD\s+/, '');
  expect(json.startsWith('['), `not exec form: ${text}`).toBe(true);
  return JSON.parse(json) as string[];
}

/** ENV key=value pairs (values may be double-quoted). */
function envPairs(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of ins.rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return out;
}

function contextFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(repo, f)));
}

const IMAGES = [
  { dockerfile: 'Dockerfile.server', entry: 'server/src/main.ts', workspace: 'server' },
  { dockerfile: 'Dockerfile.scraper', entry: 'scraper/src/main.ts', workspace: 'scraper' },
] as const;

/** Node major and Debian release every image is built on. */
const NODE_MAJOR = 24;
const DEBIAN = 'bookworm';
const STAGES = ['deps', 'build', 'prod-deps', 'prod-deps-clip', 'runtime-base', 'runtime-clip', 'runtime'];

/** A stage and the stages it is built FROM, oldest first. */
function lineage(stages: Stage[], name: string): Stage[] {
  const st = stages.find((s) => s.name === name);
  if (!st) throw new Error(`no stage ${name}`);
  const parent = stages.find((s) => s.name === st.from);
  return parent ? [...lineage(stages, parent.name), st] : [st];
}

/** The registry image a stage starts from, through its FROM chain. */
function baseImage(stages: Stage[], name: string): string {
  return lineage(stages, name)[0]!.from;
}

describe.each(IMAGES)('$dockerfile', ({ dockerfile, entry, workspace }) => {
  const stages = parseDockerfile(dockerfile);
  const ops = (op: string, st: Stage) => st.instructions.filter((i) => i.op === op);
  /** Instructions of a target with those of the stages below it. */
  const chain = (op: string, target: string) => lineage(stages, target).flatMap((st) => ops(op, st));
  const runs = (name: string) => ops('RUN', stages.find((s) => s.name === name)!).map((i) => i.rest);

  it('builds in deps → build, installs production dependencies apart, and ends with the lean runtime (the default target)', () => {
    expect(stages.map((s) => s.name)).toEqual(STAGES);
    expect(runs('deps').join('\n')).toMatch(/npm ci\b/);
    expect(runs('build').join('\n')).toMatch(/npx tsc -b core server scraper/);
    if (dockerfile === 'Dockerfile.server') expect(runs('build').join('\n')).toMatch(/npm run build -w web/);
    // run-time dependencies: only core's and this workspace's, no dev; the root's optionalDependencies
    // (the CLIP runtime) only in the clip variant
    const lean = runs('prod-deps').join('\n');
    expect(lean).toMatch(new RegExp(`npm ci --omit=dev -w core -w ${workspace}\\b`));
    expect(lean).not.toMatch(/--include-workspace-root/);
    expect(runs('prod-deps-clip').join('\n')).toMatch(new RegExp(`npm ci --omit=dev -w core -w ${workspace} --include-workspace-root`));
    // the CLIP runtime is the root's optional dependency, not core's
    const rootPkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
    const corePkg = JSON.parse(fs.readFileSync(path.join(repo, 'core/package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(rootPkg.optionalDependencies ?? {})).toContain('@huggingface/transformers');
    expect(Object.keys(corePkg.dependencies ?? {})).not.toContain('@huggingface/transformers');
  });

  it(`builds on node:${NODE_MAJOR}-${DEBIAN} and runs on node:${NODE_MAJOR}-${DEBIAN}-slim`, () => {
    for (const st of stages) {
      const image = baseImage(stages, st.name);
      if (st.name.startsWith('runtime')) expect(image, st.name).toBe(`node:${NODE_MAJOR}-${DEBIAN}-slim`);
      else expect(image, st.name).toBe(`node:${NODE_MAJOR}-${DEBIAN}`);
    }
  });

  it('copies only files the repository has from the build context', () => {
    const files = contextFiles();
    const has = (p: string) => files.some((f) => f === p || f.startsWith(`${p.replace(/\/$/, '')}/`));
    const sources = stages.flatMap((s) => ops('COPY', s).filter((i) => !i.flags.from).flatMap((i) => copyParts(i).srcs));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(has(src), `${dockerfile}: COPY ${src} is not in the repository`).toBe(true);
    // the manifests npm ci needs are all copied before it runs
    for (const name of ['deps', 'prod-deps']) {
      const srcs = ops('COPY', stages.find((s) => s.name === name)!).flatMap((i) => copyParts(i).srcs);
      expect(srcs, name).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'core/package.json', 'server/package.json', 'scraper/package.json', 'web/package.json']));
    }
  });

  it.each(['runtime', 'runtime-clip'])('%s runs slim, as node, in production, with an exec-form command on a real entry point', (target) => {
    expect(chain('USER', target).at(-1)?.rest).toBe('node');
    const env = Object.assign({}, ...chain('ENV', target).map(envPairs)) as Record<string, string>;
    expect(env.NODE_ENV).toBe('production');
    expect(env.DATA_DIR).toBe('/app/data');
    expect(env.IMAGES_DIR).toBe('/app/images');
    expect(chain('VOLUME', target).at(-1)?.rest).toMatch(/\/app\/data.*\/app\/images/);
    const ep = chain('ENTRYPOINT', target);
    const cmd = [...(ep.length ? execForm(ep.at(-1)!.rest) : []), ...execForm(chain('CMD', target).at(-1)!.rest)];
    expect(cmd[0]).toBe('node');
    expect(cmd[1]).toBe(entry.replace('/src/', '/dist/').replace(/\.ts$/, '.js'));
    expect(fs.existsSync(path.join(repo, entry))).toBe(true);
    // the app comes from the build stage, node_modules once from the matching install stage
    const deps = target === 'runtime' ? 'prod-deps' : 'prod-deps-clip';
    const copies = chain('COPY', target);
    for (const c of copies) expect([`build`, deps], `line ${c.line}`).toContain(c.flags.from);
    expect(copies.filter((c) => copyParts(c).dest === 'node_modules').map((c) => c.flags.from)).toEqual([deps]);
    // both images check themselves with node (no curl in the slim image)
    const hc = chain('HEALTHCHECK', target).at(-1);
    const hcCmd = execForm(hc!.rest.replace(/^.*?\bCMD\s+/, ''));
    expect(hcCmd[0]).toBe('node');
    if (dockerfile === 'Dockerfile.server') expect(hc?.rest).toMatch(/\/api\/health/);
    else expect(hcCmd.slice(1)).toEqual(['scraper/dist/sync/heartbeat.js']);
  });
});

describe('docker-compose.yml', () => {
  const hasCompose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).status === 0;
  if (!hasCompose) console.warn('[docker-commands] docker-compose is not on PATH: skipping `docker-compose config` (CI installs it)');

  interface ComposeService {
    profiles?: string[];
    depends_on?: Record<string, { condition: string }>;
    environment?: Record<string, string | null>;
    command?: string[];
    ports?: Array<string | { target: number; published: string | number; host_ip?: string }>;
    build?: { target?: string };
    volumes?: Array<string | { source?: string; target: string }>;
  }
  /** `docker-compose config` for the given profiles, parsed. */
  const config = (profiles: string[], env: NodeJS.ProcessEnv = { ...process.env, POSTGRES_PASSWORD: 'config-check' }) => {
    const args = [...profiles.flatMap((p) => ['--profile', p]), '-f', 'docker-compose.yml', 'config'];
    const r = spawnSync('docker-compose', args, { cwd: repo, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return parseYaml(r.stdout) as { services: Record<string, ComposeService> };
  };

  it.skipIf(!hasCompose)('passes `docker-compose config -q` for every profile, with and without .env.example', () => {
    const env = { ...process.env, POSTGRES_PASSWORD: 'config-check' };
    for (const profiles of [[], ['proxy']]) {
      const flags = profiles.flatMap((p) => ['--profile', p]);
      const r = spawnSync('docker-compose', [...flags, '-f', 'docker-compose.yml', 'config', '-q'], { cwd: repo, env, encoding: 'utf8' });
      expect(r.status, `${profiles.join(',') || 'default'}: ${r.stderr}`).toBe(0);
      // .env.example is a complete, valid env file for compose
      const e = spawnSync('docker-compose', [...flags, '--env-file', '.env.example', '-f', 'docker-compose.yml', 'config', '-q'], { cwd: repo, encoding: 'utf8' });
      expect(e.status, `${profiles.join(',') || 'default'} with .env.example: ${e.stderr}`).toBe(0);
    }
    // (docker-compose v1 lists every service whatever the profile; v2 only the active ones)
    const inProfile = (profile: string | null) => Object.entries(config(profile ? [profile] : []).services)
      .filter(([, sv]) => (profile ? (sv.profiles ?? []).includes(profile) : !sv.profiles?.length)).map(([name]) => name).sort();
    expect(inProfile(null)).toEqual(['db', 'migrate', 'scraper', 'server']);
    expect(inProfile('proxy')).toEqual(['certbot', 'proxy']);
  });

  it.skipIf(!hasCompose)('migrations run once, in the one-shot migrate service, before server and scraper start', () => {
    const { services } = config([]);
    expect(services.migrate!.command).toEqual(['node', 'core/dist/db/migrate-cli.js']);
    expect(fs.existsSync(path.join(repo, 'core/src/db/migrate-cli.ts'))).toBe(true);
    expect(services.migrate!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    for (const name of ['server', 'scraper']) {
      expect(services[name]!.depends_on, name).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    }
  });

  it.skipIf(!hasCompose)('the proxy forwards to the server with the app\'s upload limit; IMAGE_TARGET picks the CLIP images', async () => {
    const { loadConfig } = await import('@waifudex/core/config/env');
    const appDefault = loadConfig({}).maxUploadBytes;
    const { services } = config(['proxy']);
    expect(services.proxy!.environment!.MAX_UPLOAD_BYTES).toBe(String(appDefault));
    expect(services.server!.environment!.MAX_UPLOAD_BYTES).toBe(String(appDefault));
    expect(services.proxy!.environment!.WAIFUDEX_UPSTREAM).toBe('server:8080');
    expect(services.proxy!.depends_on).toEqual({ server: { condition: 'service_healthy' } });
    // the mounted render script and config folder exist
    const mounts = (services.proxy!.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')));
    for (const m of mounts.filter((m) => m.startsWith('/') || m.startsWith('.'))) expect(fs.existsSync(path.resolve(repo, m)), m).toBe(true);
    // an operator's value reaches both, and TRUST_PROXY / BIND_ADDRESS / IMAGE_TARGET pass through
    const env = { ...process.env, POSTGRES_PASSWORD: 'config-check', MAX_UPLOAD_BYTES: '1048576', TRUST_PROXY: '1', BIND_ADDRESS: '127.0.0.1', IMAGE_TARGET: 'runtime-clip' };
    const custom = config(['proxy'], env).services;
    expect(custom.proxy!.environment!.MAX_UPLOAD_BYTES).toBe('1048576');
    expect(custom.server!.environment!.MAX_UPLOAD_BYTES).toBe('1048576');
    expect(custom.server!.environment!.TRUST_PROXY).toBe('1');
    expect(JSON.stringify(custom.server!.ports)).toMatch(/127\.0\.0\.1/);
    for (const name of ['server', 'scraper', 'migrate']) expect(custom[name]!.build?.target, name).toBe('runtime-clip');
    for (const name of ['server', 'scraper']) expect(config([]).services[name]!.build?.target, name).toBe('runtime');
  });

  it.skipIf(!hasCompose)('refuses to start without POSTGRES_PASSWORD, naming it', () => {
    const env = { ...process.env };
    delete env.POSTGRES_PASSWORD;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-compose-')); // no .env here
    try {
      fs.copyFileSync(path.join(repo, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
      const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: dir, env, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/POSTGRES_PASSWORD/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------- replaying the Dockerfiles on the host ----------

if (!SLOW) {
  console.warn('[docker-commands] skipping the replay of the Dockerfiles\' npm ci/build and the runtime start ' +
    '(slow: a few minutes); set RUN_DOCKER_COMMANDS_TEST=1 to run it (CI runs it, on Node 24 when it has it)');
}

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync('sh', ['-c', cmd], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`\`${cmd}\` failed in ${cwd} (exit ${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
}

/** cp -a; with `link`, hard links instead of copies (for a stage nothing runs in afterwards). */
function cpA(src: string, dest: string, link = false): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const r = spawnSync('cp', [link ? '-al' : '-a', src, dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${src} ${dest}: ${r.stderr}`);
}

/** Docker COPY semantics for one source: a folder's contents go into dest, a file to dest or dest/name. */
function dockerCopy(src: string, dest: string, destIsDir: boolean, link = false): void {
  if (!fs.existsSync(src)) throw new Error(`COPY source missing: ${src}`);
  if (fs.lstatSync(src).isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    for (const e of fs.readdirSync(src)) cpA(path.join(src, e), path.join(dest, e), link);
  } else {
    cpA(src, destIsDir ? path.join(dest, path.basename(src)) : dest, link);
  }
}

interface Built {
  root: string; // the stage's filesystem root; container path /x is root + /x
  env: Record<string, string>;
  workdir: string;
}

/**
 * Replays a Dockerfile: stages built from an image start empty; stages built FROM another stage
 * start as a copy of it; results of identical instruction chains are shared across Dockerfiles,
 * as Docker's layer cache would (both images have the same deps stage). Stages on the slim image
 * (the runtime family) skip their RUN lines (mkdir/chown of the volume folders under /) and get
 * hard links instead of copies, since nothing runs in them (saves ~1 GB of copies).
 */
function makeReplayer(work: string, context: string, npmEnv: NodeJS.ProcessEnv) {
  const cache = new Map<string, Built>();
  let n = 0;
  return function build(stages: Stage[], name: string): Built {
    const stage = stages.find((s) => s.name === name)!;
    const key = (st: Stage): string => {
      const parent = stages.find((s) => s.name === st.from);
      return `${parent ? key(parent) : st.from}\n${st.instructions.map((i) => `${i.op} ${i.args}`).join('\n')}`;
    };
    const k = key(stage);
    const hit = cache.get(k);
    if (hit) return hit;
    const parentStage = stages.find((s) => s.name === stage.from);
    const runtimeFamily = baseImage(stages, name).endsWith('-slim');
    const root = path.join(work, `stage-${++n}-${stage.name}`);
    let env: Record<string, string> = {};
    let workdir = '/';
    if (parentStage) {
      const parent = build(stages, parentStage.name);
      cpA(parent.root, root, runtimeFamily);
      env = { ...parent.env };
      workdir = parent.workdir;
    } else {
      fs.mkdirSync(root, { recursive: true });
    }
    const inRoot = (p: string) => path.join(root, path.posix.resolve(workdir, p));
    for (const ins of stage.instructions) {
      switch (ins.op) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, ins.rest);
          fs.mkdirSync(inRoot('.'), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, envPairs(ins));
          break;
        case 'COPY': {
          const { srcs, dest } = copyParts(ins);
          const from = ins.flags.from ? build(stages, ins.flags.from) : undefined;
          const destIsDir = dest.endsWith('/') || srcs.length > 1;
          for (const src of srcs) {
            const abs = from ? path.join(from.root, path.posix.resolve(from.workdir, src)) : path.join(context, src);
            dockerCopy(abs, inRoot(dest), destIsDir, runtimeFamily && Boolean(from));
          }
          break;
        }
        case 'RUN':
          if (runtimeFamily) break;
          sh(ins.rest, inRoot('.'), { ...npmEnv, ...env });
          break;
        default:
          break; // USER, VOLUME, EXPOSE, HEALTHCHECK, CMD, ENTRYPOINT: read by the tests
      }
    }
    const built = { root, env, workdir };
    cache.set(k, built);
    return built;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Bytes under a folder, hard links counted once (what the image layer holds). */
function folderBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

const MB = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

/** A process started from an image's command, its output collected. */
interface Started {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the output matches `re`; rejects on exit or after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

function start(cmd: string[], cwd: string, env: NodeJS.ProcessEnv): Started {
  const proc = spawn(cmd[0]!, cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return {
    proc,
    output: () => out,
    async waitFor(re, ms = 120_000) {
      const deadline = Date.now() + ms;
      while (!re.test(out)) {
        if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode} before ${re}:\n${out.slice(-4000)}`);
        if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms:\n${out.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The first answer of GET /api/health (the server may still be starting). */
async function health(server: Started, port: number): Promise<Response> {
  const url = `http://127.0.0.1:${port}/api/health`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.proc.exitCode !== null) throw new Error(`server exited with ${server.proc.exitCode}:\n${server.output().slice(-4000)}`);
    const res = await fetch(url).catch(() => undefined);
    if (res) return res;
    if (Date.now() > deadline) throw new Error(`no answer on ${url}:\n${server.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe.skipIf(!SLOW)('Dockerfile commands replayed on the host', () => {
  let work = '';
  let context = '';
  let replay: ReturnType<typeof makeReplayer>;
  let tinyClip: TinyClipModel | undefined;
  const running: Started[] = [];
  const sizes: string[] = [];
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    // re-use the machine's npm cache; go to the registry only for what it lacks
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
  };

  /** The environment of a container of `rt`, with temp volumes. */
  const containerEnv = (rt: Built, volumes: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...rt.env,
    DATA_DIR: path.join(work, volumes, 'data'),
    IMAGES_DIR: path.join(work, volumes, 'images'),
    LOG_LEVEL: 'info',
    ...extra,
  });

  const appOf = (rt: Built) => path.join(rt.root, rt.workdir);
  const has = (app: string, pkg: string) => fs.existsSync(path.join(app, 'node_modules', pkg, 'package.json'));
  const imageCmd = (stages: Stage[], target: string): string[] => {
    const instr = (op: string) => lineage(stages, target).flatMap((st) => st.instructions.filter((i) => i.op === op));
    const ep = instr('ENTRYPOINT');
    return [...(ep.length ? execForm(ep.at(-1)!.rest) : []), ...execForm(instr('CMD').at(-1)!.rest)];
  };
  const healthCmd = (stages: Stage[], target: string): string[] => {
    const hc = lineage(stages, target).flatMap((st) => st.instructions.filter((i) => i.op === 'HEALTHCHECK')).at(-1)!;
    return execForm(hc.rest.replace(/^.*?\bCMD\s+/, ''));
  };
  const measure = (label: string, app: string) => {
    const line = `${label}: node_modules ${MB(folderBytes(path.join(app, 'node_modules')))}, app ${MB(folderBytes(app))}`;
    sizes.push(line);
    console.warn(`[docker-commands] ${line}`);
  };

  beforeAll(() => {
    console.warn(`[docker-commands] replaying on Node ${process.version} (the images run Node ${NODE_MAJOR})`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-docker-commands-'));
    // run as root, the embedded PostgreSQL runs as the postgres account: let it reach the replayed
    // node_modules and the temp DATA_DIRs (so its clusters stay inside them and go with them)
    fs.chmodSync(work, 0o755);
    context = path.join(work, 'context');
    for (const f of contextFiles()) {
      if (f.split('/').includes('node_modules')) continue;
      const dest = path.join(context, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(repo, f), dest);
    }
    replay = makeReplayer(work, context, baseEnv);
    tinyClip = createTinyClipModel({ dir: path.join(work, 'tiny-clip') });
  });

  afterAll(async () => {
    for (const p of running) await p.stop().catch(() => undefined);
    if (sizes.length) console.warn(`[docker-commands] sizes (Node ${process.version}):\n  ${sizes.join('\n  ')}`);
    if (work) spawnSync('rm', ['-rf', work]); // ~2 GB of node_modules copies; rm is faster than fs.rmSync
  }, SLOW_TIMEOUT);

  it('Dockerfile.server runtime (lean): serves /api/health, passes HEALTHCHECK, has no CLIP runtime and says so in one line', async () => {
    const t0 = Date.now();
    const stages = parseDockerfile('Dockerfile.server');
    const rt = replay(stages, 'runtime');
    console.warn(`[docker-commands] Dockerfile.server replayed in ${Math.round((Date.now() - t0) / 1000)} s`);
    const app = appOf(rt);
    expect(fs.readdirSync(app).sort()).toEqual(['core', 'migrations', 'node_modules', 'package.json', 'server', 'web']);
    expect(fs.existsSync(path.join(app, 'web/dist/index.html'))).toBe(true);
    // no dev dependencies, no scraper-only ones, no CLIP runtime
    for (const pkg of ['vitest', 'vite', 'typescript', 'telegram', '@huggingface/transformers', 'onnxruntime-node', 'onnxruntime-web']) {
      expect(has(app, pkg), pkg).toBe(false);
    }
    for (const pkg of ['express', 'sharp', 'pg', 'node-pg-migrate']) expect(has(app, pkg), pkg).toBe(true);
    measure('server runtime', app);

    const port = await freePort();
    const env = containerEnv(rt, 'server', { PORT: String(port), HOST: '127.0.0.1', CLIP_MODEL: tinyClip!.dir });
    const server = start(imageCmd(stages, 'runtime'), app, env);
    running.push(server);
    const res = await health(server, port);
    expect(res.status, server.output().slice(-4000)).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    // CLIP_MODEL is set but the runtime is absent: one clear line, and the rest keeps working
    await server.waitFor(/CLIP runtime is not installed/, 60_000);
    const clipLines = server.output().split('\n').filter((l) => l.includes('CLIP runtime is not installed'));
    expect(clipLines).toHaveLength(1);
    expect(clipLines[0]).toMatch(/runtime-clip/);

    // the image's own HEALTHCHECK command, with the image's environment
    const hcCmd = healthCmd(stages, 'runtime');
    const h = spawnSync(hcCmd[0]!, hcCmd.slice(1), { cwd: app, env, encoding: 'utf8', timeout: 20_000 });
    expect(h.status, h.stderr).toBe(0);
    expect(await server.stop(), server.output().slice(-2000)).toBe(0);
  }, SLOW_TIMEOUT);

  it('Dockerfile.server runtime-clip: carries the CLIP runtime and loads CLIP_MODEL', async () => {
    const stages = parseDockerfile('Dockerfile.server');
    const rt = replay(stages, 'runtime-clip');
    const app = appOf(rt);
    for (const pkg of ['@huggingface/transformers', 'onnxruntime-node', 'express']) expect(has(app, pkg), pkg).toBe(true);
    for (const pkg of ['vitest', 'telegram']) expect(has(app, pkg), pkg).toBe(false);
    measure('server runtime-clip', app);
    const port = await freePort();
    const server = start(imageCmd(stages, 'runtime-clip'), app, containerEnv(rt, 'server-clip', { PORT: String(port), HOST: '127.0.0.1', CLIP_MODEL: tinyClip!.dir }));
    running.push(server);
    expect((await health(server, port)).status).toBe(200);
    await server.waitFor(/CLIP model loaded/);
    expect(await server.stop(), server.output().slice(-2000)).toBe(0);
  }, SLOW_TIMEOUT);

  it('Dockerfile.scraper runtime (lean): knows its commands, and its HEALTHCHECK follows the worker\'s heartbeat', async () => {
    const t0 = Date.now();
    const stages = parseDockerfile('Dockerfile.scraper');
    const rt = replay(stages, 'runtime');
    console.warn(`[docker-commands] Dockerfile.scraper replayed in ${Math.round((Date.now() - t0) / 1000)} s`);
    const app = appOf(rt);
    expect(fs.readdirSync(app).sort()).toEqual(['core', 'migrations', 'node_modules', 'package.json', 'scraper']);
    for (const pkg of ['vitest', 'express', '@huggingface/transformers', 'onnxruntime-node']) expect(has(app, pkg), pkg).toBe(false);
    for (const pkg of ['telegram', 'croner', 'sharp']) expect(has(app, pkg), pkg).toBe(true);
    measure('scraper runtime', app);

    const cmd = imageCmd(stages, 'runtime');
    const env = containerEnv(rt, 'scraper');
    const help = spawnSync(cmd[0]!, [...cmd.slice(1, -1), 'help'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    expect(help.status, help.stdout + help.stderr).toBe(0);
    const listed = /commands:\s*(.*)/.exec(help.stdout)?.[1]?.split(/,\s*/) ?? [];
    // the default command and the documented interactive login
    expect(listed).toEqual(expect.arrayContaining([cmd.at(-1), 'login']));

    // before the worker runs, the check fails with one line; while it runs (no Telegram configured:
    // it waits, polling the database), the check passes
    const hcCmd = healthCmd(stages, 'runtime');
    const check = () => spawnSync(hcCmd[0]!, hcCmd.slice(1), { cwd: app, env, encoding: 'utf8', timeout: 20_000 });
    const before = check();
    expect(before.status).toBe(1);
    expect(before.stderr.trim().split('\n')).toHaveLength(1);
    expect(before.stderr).toMatch(/no worker heartbeat/);
    const worker = start(cmd, app, env);
    running.push(worker);
    const beat = path.join(env.DATA_DIR!, 'worker.heartbeat');
    const deadline = Date.now() + 120_000;
    while (!fs.existsSync(beat)) {
      if (worker.proc.exitCode !== null) throw new Error(`worker exited with ${worker.proc.exitCode}:\n${worker.output().slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`no heartbeat within 120 s:\n${worker.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const during = check();
    expect(during.status, during.stderr).toBe(0);
    expect(await worker.stop(), worker.output().slice(-2000)).toBe(0);
    // a heartbeat older than the limit fails the check again
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(beat, old, old);
    const stale = check();
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/worker heartbeat is \d+ s old/);
  }, SLOW_TIMEOUT);

  it('Dockerfile.scraper runtime-clip: carries the CLIP runtime', () => {
    const stages = parseDockerfile('Dockerfile.scraper');
    const app = appOf(replay(stages, 'runtime-clip'));
    for (const pkg of ['@huggingface/transformers', 'onnxruntime-node', 'telegram']) expect(has(app, pkg), pkg).toBe(true);
    expect(has(app, 'express')).toBe(false);
    measure('scraper runtime-clip', app);
  }, SLOW_TIMEOUT);
});
