/**
 * Rules every Dockerfile here must follow, in the spirit of hadolint (its rule ids in the test names), checked
 * on the parsed instructions rather than on their text. What the images actually do when built is the
 * replay's job (docker-commands.test.ts, `npm run test:docker`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  baseImage,
  contextFiles,
  copyParts,
  envPairs,
  execForm,
  IMAGES,
  lineage,
  nodeMajor,
  parseDockerfile,
  repo,
  type Stage,
} from '../testing/dockerfile.js';

/** Lowest Node major the root package.json's `engines` range admits, e.g. `^20.19.0 || …` → 20. */
function enginesFloor(): number {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const majors = [...(pkg.engines?.node ?? '').matchAll(/(\d+)\.\d+/g)].map((m) => Number(m[1]));
  return Math.min(...majors);
}

describe.each(IMAGES)('$dockerfile', ({ dockerfile, entry }) => {
  const stages = parseDockerfile(dockerfile);
  const names = new Set(stages.map((s) => s.name));
  const all = stages.flatMap((s) => s.instructions.map((i) => ({ stage: s, ...i })));
  const ops = (op: string, st: Stage) => st.instructions.filter((i) => i.op === op);
  const chain = (op: string, target: string) => lineage(stages, target).flatMap((st) => ops(op, st));
  const external = stages.filter((s) => !names.has(s.from));
  // the runtime targets: stages nobody builds FROM (the last one is the default target)
  const targets = stages.filter((s) => !stages.some((o) => o.from === s.name) && s.name.startsWith('runtime'));

  it('DL3006/DL3007: every external base image has an explicit tag that is not latest', () => {
    expect(external.length).toBeGreaterThan(0);
    for (const s of external) expect(s.from, s.name).toMatch(/^[^:@]+(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/);
  });

  it('DL3024: stage names are unique; DL3022: COPY --from names an earlier stage', () => {
    expect(names.size).toBe(stages.length);
    stages.forEach((s, i) => {
      for (const c of ops('COPY', s).filter((c) => c.flags.from)) {
        expect(
          stages.slice(0, i).map((x) => x.name),
          `${dockerfile}:${c.line}`,
        ).toContain(c.flags.from);
      }
    });
  });

  it('DL3020: COPY, never ADD; DL3004: no sudo; DL3000: WORKDIR is absolute', () => {
    expect(all.filter((i) => i.op === 'ADD').map((i) => i.line)).toEqual([]);
    expect(all.filter((i) => i.op === 'RUN' && /\bsudo\b/.test(i.rest)).map((i) => i.line)).toEqual([]);
    for (const w of all.filter((i) => i.op === 'WORKDIR')) expect(w.rest, `${dockerfile}:${w.line}`).toMatch(/^\//);
  });

  it('DL3008-style: apt-get installs without recommends and cleans its lists in the same layer', () => {
    for (const r of all.filter((i) => i.op === 'RUN' && /apt-get install/.test(i.rest))) {
      expect(r.rest, `${dockerfile}:${r.line}`).toMatch(/--no-install-recommends/);
      expect(r.rest, `${dockerfile}:${r.line}`).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    }
  });

  it('DL4003/DL4004: at most one CMD, ENTRYPOINT and HEALTHCHECK per stage', () => {
    for (const s of stages)
      for (const op of ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'])
        expect(ops(op, s).length, `${s.name} ${op}`).toBeLessThanOrEqual(1);
  });

  it('copies only files the repository has from the build context, and npm ci sees every workspace manifest', () => {
    const files = contextFiles();
    const has = (p: string) => files.some((f) => f === p || f.startsWith(`${p.replace(/\/$/, '')}/`));
    const sources = all.filter((i) => i.op === 'COPY' && !i.flags.from).flatMap((i) => copyParts(i).srcs);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(has(src), `${dockerfile}: COPY ${src} is not in the repository`).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { workspaces: string[] };
    const manifests = ['package.json', 'package-lock.json', ...pkg.workspaces.map((w) => `${w}/package.json`)];
    for (const s of stages.filter((s) => ops('RUN', s).some((r) => /\bnpm ci\b/.test(r.rest)))) {
      const copied = lineage(stages, s.name).flatMap((st) =>
        ops('COPY', st)
          .filter((c) => !c.flags.from)
          .flatMap((c) => copyParts(c).srcs),
      );
      expect(copied, s.name).toEqual(expect.arrayContaining(manifests));
    }
  });

  it('builds and runs on one Node major that package.json admits', () => {
    const majors = new Set(stages.map((s) => nodeMajor(baseImage(stages, s.name))));
    expect(majors.size, [...majors].join(', ')).toBe(1);
    const [major] = [...majors];
    expect(major).not.toBeNull();
    expect(major!).toBeGreaterThanOrEqual(enginesFloor());
  });

  it('DL3002: each runtime target runs as a non-root user, in production, with an exec-form command on a real entry point and a HEALTHCHECK', () => {
    expect(targets.length).toBeGreaterThan(0);
    for (const { name } of targets) {
      expect(chain('USER', name).at(-1)?.rest, name).toMatch(/^(?!root$|0$)\w+/);
      const env = Object.assign({}, ...chain('ENV', name).map(envPairs)) as Record<string, string>;
      expect(env.NODE_ENV, name).toBe('production');
      const ep = chain('ENTRYPOINT', name);
      const cmd = [...(ep.length ? execForm(ep.at(-1)!.rest) : []), ...execForm(chain('CMD', name).at(-1)!.rest)];
      expect(cmd[0], name).toBe('node');
      expect(cmd[1], name).toBe(entry.replace('/src/', '/dist/').replace(/\.ts$/, '.js'));
      expect(fs.existsSync(path.join(repo, entry))).toBe(true);
      const hc = chain('HEALTHCHECK', name).at(-1);
      expect(hc, `${name} has no HEALTHCHECK`).toBeDefined();
      // the slim images have no curl: the check is a node script from the repository
      const hcCmd = execForm(hc!.rest.replace(/^.*?\bCMD\s+/, ''));
      expect(hcCmd[0], name).toBe('node');
      const script = hcCmd.slice(1).find((a) => a.endsWith('.js'));
      if (script)
        expect(fs.existsSync(path.join(repo, script.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))), script).toBe(
          true,
        );
    }
  });
});
