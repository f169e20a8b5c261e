/**
 * The Dockerfiles' real replay (slow: a few minutes; `npm run test:docker`, which CI runs on Node 24),
 * without a Docker engine: each Dockerfile is replayed on the host, stage by
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
import os from 'node:os';
import path from 'node:path';
import { createTinyClipModel, type TinyClipModel } from '@waifudex/core/testing/tiny-clip-model';
import { freePort } from '../testing/free-port.js';
import {
  baseImage,
  contextFiles,
  copyParts,
  envPairs,
  execForm,
  lineage,
  nodeMajor,
  parseDockerfile,
  repo,
  type Stage,
} from '../testing/dockerfile.js';

// a whole npm ci + build per Dockerfile: 10+ minutes on a loaded 2-core box
const SLOW_TIMEOUT = 20 * 60_000;

function sh(cmd: string, cwd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync('sh', ['-c', cmd], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(
      `\`${cmd}\` failed in ${cwd} (exit ${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-4000)}`,
    );
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
    if (server.proc.exitCode !== null)
      throw new Error(`server exited with ${server.proc.exitCode}:\n${server.output().slice(-4000)}`);
    const res = await fetch(url).catch(() => undefined);
    if (res) return res;
    if (Date.now() > deadline) throw new Error(`no answer on ${url}:\n${server.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('Dockerfile commands replayed on the host', () => {
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
    const hc = lineage(stages, target)
      .flatMap((st) => st.instructions.filter((i) => i.op === 'HEALTHCHECK'))
      .at(-1)!;
    return execForm(hc.rest.replace(/^.*?\bCMD\s+/, ''));
  };
  const measure = (label: string, app: string) => {
    const line = `${label}: node_modules ${MB(folderBytes(path.join(app, 'node_modules')))}, app ${MB(folderBytes(app))}`;
    sizes.push(line);
    console.warn(`[docker-commands] ${line}`);
  };

  beforeAll(() => {
    console.warn(
      `[docker-commands] replaying on Node ${process.version} (the images run Node ${nodeMajor(baseImage(parseDockerfile('Dockerfile.server'), 'runtime'))})`,
    );
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

  it(
    'Dockerfile.server runtime (lean): serves /api/health, passes HEALTHCHECK, has no CLIP runtime and says so in one line',
    async () => {
      const t0 = Date.now();
      const stages = parseDockerfile('Dockerfile.server');
      const rt = replay(stages, 'runtime');
      console.warn(`[docker-commands] Dockerfile.server replayed in ${Math.round((Date.now() - t0) / 1000)} s`);
      const app = appOf(rt);
      expect(fs.readdirSync(app).sort()).toEqual([
        'core',
        'migrations',
        'node_modules',
        'package.json',
        'server',
        'web',
      ]);
      expect(fs.existsSync(path.join(app, 'web/dist/index.html'))).toBe(true);
      // no dev dependencies, no scraper-only ones, no CLIP runtime
      for (const pkg of [
        'vitest',
        'vite',
        'typescript',
        'telegram',
        '@huggingface/transformers',
        'onnxruntime-node',
        'onnxruntime-web',
      ]) {
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
      const clipLines = server
        .output()
        .split('\n')
        .filter((l) => l.includes('CLIP runtime is not installed'));
      expect(clipLines).toHaveLength(1);
      expect(clipLines[0]).toMatch(/runtime-clip/);

      // the image's own HEALTHCHECK command, with the image's environment
      const hcCmd = healthCmd(stages, 'runtime');
      const h = spawnSync(hcCmd[0]!, hcCmd.slice(1), { cwd: app, env, encoding: 'utf8', timeout: 20_000 });
      expect(h.status, h.stderr).toBe(0);
      expect(await server.stop(), server.output().slice(-2000)).toBe(0);
    },
    SLOW_TIMEOUT,
  );

  it(
    'Dockerfile.server runtime-clip: carries the CLIP runtime and loads CLIP_MODEL',
    async () => {
      const stages = parseDockerfile('Dockerfile.server');
      const rt = replay(stages, 'runtime-clip');
      const app = appOf(rt);
      for (const pkg of ['@huggingface/transformers', 'onnxruntime-node', 'express'])
        expect(has(app, pkg), pkg).toBe(true);
      for (const pkg of ['vitest', 'telegram']) expect(has(app, pkg), pkg).toBe(false);
      measure('server runtime-clip', app);
      const port = await freePort();
      const server = start(
        imageCmd(stages, 'runtime-clip'),
        app,
        containerEnv(rt, 'server-clip', { PORT: String(port), HOST: '127.0.0.1', CLIP_MODEL: tinyClip!.dir }),
      );
      running.push(server);
      expect((await health(server, port)).status).toBe(200);
      await server.waitFor(/CLIP model loaded/);
      expect(await server.stop(), server.output().slice(-2000)).toBe(0);
    },
    SLOW_TIMEOUT,
  );

  it(
    "Dockerfile.scraper runtime (lean): knows its commands, and its HEALTHCHECK follows the worker's heartbeat",
    async () => {
      const t0 = Date.now();
      const stages = parseDockerfile('Dockerfile.scraper');
      const rt = replay(stages, 'runtime');
      console.warn(`[docker-commands] Dockerfile.scraper replayed in ${Math.round((Date.now() - t0) / 1000)} s`);
      const app = appOf(rt);
      expect(fs.readdirSync(app).sort()).toEqual(['core', 'migrations', 'node_modules', 'package.json', 'scraper']);
      for (const pkg of ['vitest', 'express', '@huggingface/transformers', 'onnxruntime-node'])
        expect(has(app, pkg), pkg).toBe(false);
      for (const pkg of ['telegram', 'croner', 'sharp']) expect(has(app, pkg), pkg).toBe(true);
      measure('scraper runtime', app);

      const cmd = imageCmd(stages, 'runtime');
      const env = containerEnv(rt, 'scraper');
      const help = spawnSync(cmd[0]!, [...cmd.slice(1, -1), 'help'], {
        cwd: app,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(help.status, help.stdout + help.stderr).toBe(0);
      // commander's help: one `  <name> [args]  summary` line per command under `Commands:`
      const listed = [...(help.stdout.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][\w-]*)/gm)].map(
        (m) => m[1],
      );
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
        if (worker.proc.exitCode !== null)
          throw new Error(`worker exited with ${worker.proc.exitCode}:\n${worker.output().slice(-4000)}`);
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
    },
    SLOW_TIMEOUT,
  );

  it(
    'Dockerfile.scraper runtime-clip: carries the CLIP runtime',
    () => {
      const stages = parseDockerfile('Dockerfile.scraper');
      const app = appOf(replay(stages, 'runtime-clip'));
      for (const pkg of ['@huggingface/transformers', 'onnxruntime-node', 'telegram'])
        expect(has(app, pkg), pkg).toBe(true);
      expect(has(app, 'express')).toBe(false);
      measure('scraper runtime-clip', app);
    },
    SLOW_TIMEOUT,
  );
});
