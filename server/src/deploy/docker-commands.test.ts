/**
 * Keeps Dockerfile.server, Dockerfile.scraper and docker-compose.yml honest without a Docker engine.
 *
 * Always (fast): both Dockerfiles parse into deps → build → runtime stages; every COPY from the build
 * context names a file the repository has; the runtime stage is slim, runs as `node` with
 * NODE_ENV=production and an exec-form command whose entry point is a real source file; and, when
 * docker-compose is on PATH, `docker-compose config -q` accepts docker-compose.yml.
 *
 * Slow (CI, or RUN_DOCKER_COMMANDS_TEST=1): replays each Dockerfile on the host, stage by stage, in a
 * temp folder: the build context is the repo's files as `git ls-files` lists them (tracked + untracked,
 * not ignored: no node_modules, no dist); every COPY and RUN of the deps and build stages runs in order
 * (npm ci re-uses the npm cache, offline first); the runtime stage gets only what its COPY --from lines
 * copy; then the server image's command starts there on a free port with temp DATA_DIR/IMAGES_DIR,
 * GET /api/health must answer 200, the image's own HEALTHCHECK command must pass, and the scraper
 * image's entry point must list the command its CMD runs. Not replayed: RUN lines of the runtime stage
 * (mkdir/chown of the volume folders under /), --chown, USER and VOLUME.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SLOW = Boolean(process.env.CI || process.env.RUN_DOCKER_COMMANDS_TEST);
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
  { dockerfile: 'Dockerfile.server', entry: 'server/src/main.ts' },
  { dockerfile: 'Dockerfile.scraper', entry: 'scraper/src/main.ts' },
] as const;

describe.each(IMAGES)('$dockerfile', ({ dockerfile, entry }) => {
  const stages = parseDockerfile(dockerfile);
  const runtime = stages.at(-1)!;
  const all = (op: string, st: Stage = runtime) => st.instructions.filter((i) => i.op === op);

  it('has deps → build → runtime stages, the build running npm ci, tsc -b and npm prune', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'runtime']);
    const runs = stages.flatMap((s) => all('RUN', s).map((i) => i.rest)).join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npx tsc -b core server scraper/);
    expect(runs).toMatch(/npm prune --omit=dev/);
    if (dockerfile === 'Dockerfile.server') expect(runs).toMatch(/npm run build -w web/);
  });

  it('copies only files the repository has from the build context', () => {
    const files = contextFiles();
    const has = (p: string) => files.some((f) => f === p || f.startsWith(`${p.replace(/\/$/, '')}/`));
    const sources = stages.flatMap((s) => all('COPY', s).filter((i) => !i.flags.from).flatMap((i) => copyParts(i).srcs));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(has(src), `${dockerfile}: COPY ${src} is not in the repository`).toBe(true);
    // the manifests npm ci needs are all copied before it runs
    const depsSources = all('COPY', stages[0]!).flatMap((i) => copyParts(i).srcs);
    expect(depsSources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'core/package.json', 'server/package.json', 'scraper/package.json', 'web/package.json']));
  });

  it('runs slim, as node, in production, with an exec-form command on a real entry point', () => {
    expect(runtime.from).toMatch(/^node:20(-[a-z]+)?-slim$/);
    expect(all('USER').at(-1)?.rest).toBe('node');
    const env = Object.assign({}, ...all('ENV').map(envPairs)) as Record<string, string>;
    expect(env.NODE_ENV).toBe('production');
    expect(env.DATA_DIR).toBe('/app/data');
    expect(env.IMAGES_DIR).toBe('/app/images');
    expect(all('VOLUME').at(-1)?.rest).toMatch(/\/app\/data.*\/app\/images/);
    const cmd = [...(all('ENTRYPOINT').length ? execForm(all('ENTRYPOINT').at(-1)!.rest) : []), ...execForm(all('CMD').at(-1)!.rest)];
    expect(cmd[0]).toBe('node');
    expect(cmd[1]).toBe(entry.replace('/src/', '/dist/').replace(/\.ts$/, '.js'));
    expect(fs.existsSync(path.join(repo, entry))).toBe(true);
    // every runtime COPY comes from the build stage
    for (const c of all('COPY')) expect(c.flags.from, `line ${c.line}`).toBe('build');
    if (dockerfile === 'Dockerfile.server') {
      const hc = all('HEALTHCHECK').at(-1);
      expect(hc?.rest).toMatch(/\/api\/health/);
      expect(execForm(hc!.rest.replace(/^.*?\bCMD\s+/, ''))[0]).toBe('node');
    }
  });
});

describe('docker-compose.yml', () => {
  const hasCompose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).status === 0;
  if (!hasCompose) console.warn('[docker-commands] docker-compose is not on PATH: skipping `docker-compose config` (CI installs it)');

  it.skipIf(!hasCompose)('passes `docker-compose config -q` and defines db, server and scraper', () => {
    const env = { ...process.env, POSTGRES_PASSWORD: 'config-check' };
    const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: repo, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const s = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '--services'], { cwd: repo, env, encoding: 'utf8' });
    // `bot` sits behind a compose profile, which compose versions list or not
    expect(s.stdout.split('\n').filter((x) => x && x !== 'bot').sort()).toEqual(['db', 'scraper', 'server']);
    // .env.example is a complete, valid env file for compose
    const e = spawnSync('docker-compose', ['--env-file', '.env.example', '-f', 'docker-compose.yml', 'config', '-q'], { cwd: repo, encoding: 'utf8' });
    expect(e.status, e.stderr).toBe(0);
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
  console.warn('[docker-commands] skipping the replay of the Dockerfiles\' npm ci/build/prune and the server start ' +
    '(slow: several minutes); set RUN_DOCKER_COMMANDS_TEST=1 to run it (CI runs it)');
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
 * as Docker's layer cache would (both images have the same deps stage).
 */
function makeReplayer(work: string, context: string, npmEnv: NodeJS.ProcessEnv) {
  const cache = new Map<string, Built>();
  let n = 0;
  return function build(stages: Stage[], name: string, opts: { skipRun: boolean }): Built {
    const stage = stages.find((s) => s.name === name)!;
    const key = (st: Stage): string => {
      const parent = stages.find((s) => s.name === st.from);
      return `${parent ? key(parent) : st.from}\n${st.instructions.map((i) => `${i.op} ${i.args}`).join('\n')}`;
    };
    const k = key(stage);
    const hit = cache.get(k);
    if (hit) return hit;
    const parentStage = stages.find((s) => s.name === stage.from);
    const root = path.join(work, `stage-${++n}-${stage.name}`);
    let env: Record<string, string> = {};
    let workdir = '/';
    if (parentStage) {
      const parent = build(stages, parentStage.name, opts);
      cpA(parent.root, root);
      env = { ...parent.env };
      workdir = parent.workdir;
    } else {
      fs.mkdirSync(root, { recursive: true });
    }
    const inRoot = (p: string) => path.join(root, path.posix.resolve(workdir, p));
    // The runtime stage's RUN lines are not replayed, so its files can be hard links (saves ~0.5 GB of copies).
    const skipsRun = opts.skipRun && !parentStage && stage === stages.at(-1);
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
          const from = ins.flags.from ? build(stages, ins.flags.from, opts) : undefined;
          const destIsDir = dest.endsWith('/') || srcs.length > 1;
          for (const src of srcs) {
            const abs = from ? path.join(from.root, path.posix.resolve(from.workdir, src)) : path.join(context, src);
            dockerCopy(abs, inRoot(dest), destIsDir, skipsRun && Boolean(from));
          }
          break;
        }
        case 'RUN':
          if (skipsRun) break;
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

describe.skipIf(!SLOW)('Dockerfile commands replayed on the host', () => {
  let work = '';
  let context = '';
  let replay: ReturnType<typeof makeReplayer>;
  let server: ChildProcess | undefined;
  let serverOutput = '';
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

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-docker-commands-'));
    context = path.join(work, 'context');
    for (const f of contextFiles()) {
      if (f.split('/').includes('node_modules')) continue;
      const dest = path.join(context, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(repo, f), dest);
    }
    replay = makeReplayer(work, context, baseEnv);
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 2000));
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    if (work) spawnSync('rm', ['-rf', work]); // ~1 GB of node_modules copies; rm is faster than fs.rmSync
  });

  it('Dockerfile.server: build stages run, and the runtime stage alone serves /api/health and passes HEALTHCHECK', async () => {
    const t0 = Date.now();
    const stages = parseDockerfile('Dockerfile.server');
    const rt = replay(stages, 'runtime', { skipRun: true });
    console.warn(`[docker-commands] Dockerfile.server replayed in ${Math.round((Date.now() - t0) / 1000)} s`);
    const app = path.join(rt.root, rt.workdir);
    expect(fs.readdirSync(app).sort()).toEqual(['core', 'migrations', 'node_modules', 'package.json', 'server', 'web']);
    expect(fs.existsSync(path.join(app, 'web/dist/index.html'))).toBe(true);
    // dev dependencies were pruned (typescript stays: vue, a web dependency, lists it as an optional peer)
    expect(fs.existsSync(path.join(app, 'node_modules/vitest'))).toBe(false);
    expect(fs.existsSync(path.join(app, 'node_modules/vite'))).toBe(false);

    const runtime = stages.at(-1)!;
    const cmd = execForm(runtime.instructions.filter((i) => i.op === 'CMD').at(-1)!.rest);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...rt.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: path.join(work, 'data'),
      IMAGES_DIR: path.join(work, 'images'),
      LOG_LEVEL: 'info',
    };
    server = spawn(cmd[0]!, cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => (serverOutput += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (serverOutput += d.toString()));

    const url = `http://127.0.0.1:${port}/api/health`;
    const deadline = Date.now() + 120_000;
    let res: Response | undefined;
    while (Date.now() < deadline) {
      if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}:\n${serverOutput.slice(-4000)}`);
      res = await fetch(url).catch(() => undefined);
      if (res) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(res, `no answer on ${url}:\n${serverOutput.slice(-4000)}`).toBeDefined();
    expect(res!.status, serverOutput.slice(-4000)).toBe(200);
    expect(((await res!.json()) as { status: string }).status).toBe('ok');

    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);

    // the image's own HEALTHCHECK command, with the image's environment
    const hc = runtime.instructions.filter((i) => i.op === 'HEALTHCHECK').at(-1)!;
    const hcCmd = execForm(hc.rest.replace(/^.*?\bCMD\s+/, ''));
    const h = spawnSync(hcCmd[0]!, hcCmd.slice(1), { cwd: app, env, encoding: 'utf8', timeout: 20_000 });
    expect(h.status, h.stderr).toBe(0);

    server.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => {
      if (server!.exitCode !== null) resolve(server!.exitCode);
      server!.once('exit', (c) => resolve(c));
    });
    expect(code, serverOutput.slice(-2000)).toBe(0);
  }, SLOW_TIMEOUT);

  it('Dockerfile.scraper: build stages run, and the runtime stage alone knows the command its CMD runs', () => {
    const t0 = Date.now();
    const stages = parseDockerfile('Dockerfile.scraper');
    const rt = replay(stages, 'runtime', { skipRun: true });
    console.warn(`[docker-commands] Dockerfile.scraper replayed in ${Math.round((Date.now() - t0) / 1000)} s`);
    const app = path.join(rt.root, rt.workdir);
    expect(fs.readdirSync(app).sort()).toEqual(['core', 'migrations', 'node_modules', 'package.json', 'scraper']);
    const runtime = stages.at(-1)!;
    const entry = execForm(runtime.instructions.filter((i) => i.op === 'ENTRYPOINT').at(-1)!.rest);
    const cmd = execForm(runtime.instructions.filter((i) => i.op === 'CMD').at(-1)!.rest);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...rt.env, DATA_DIR: path.join(work, 'data-scraper'), IMAGES_DIR: path.join(work, 'images') };
    const r = spawnSync(entry[0]!, [...entry.slice(1), 'help'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const listed = /commands:\s*(.*)/.exec(r.stdout)?.[1]?.split(/,\s*/) ?? [];
    // the default command and the documented interactive login
    expect(listed).toEqual(expect.arrayContaining([cmd[0], 'login']));
  }, SLOW_TIMEOUT);
});
