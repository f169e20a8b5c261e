/**
 * Reads the Dockerfiles for the deploy tests: a small parser (stages, instructions with their flags,
 * continuation lines joined) and helpers over stages. Test code only.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Instruction {
  op: string; // upper-case instruction
  args: string; // text after the instruction, flags included
  flags: Record<string, string>; // --from=…, --chown=…
  rest: string; // args without the leading --flags
  line: number;
}
export interface Stage {
  name: string;
  from: string; // image or earlier stage name
  instructions: Instruction[];
}

export function parseDockerfile(file: string): Stage[] {
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
export function copyParts(ins: Instruction): { srcs: string[]; dest: string } {
  const parts = ins.rest.startsWith('[') ? (JSON.parse(ins.rest) as string[]) : ins.rest.split(/\s+/);
  return { srcs: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** Exec-form JSON array of CMD/ENTRYPOINT/HEALTHCHECK CMD. */
export function execForm(text: string): string[] {
  const json = text.replace(/^CMD\s+/, '');
  if (!json.startsWith('[')) throw new Error(`not exec form: ${text}`);
  return JSON.parse(json) as string[];
}

/** ENV key=value pairs (values may be double-quoted). */
export function envPairs(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of ins.rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return out;
}

export function contextFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(repo, f)));
}

export const IMAGES = [
  { dockerfile: 'Dockerfile.server', entry: 'server/src/main.ts', workspace: 'server' },
  { dockerfile: 'Dockerfile.scraper', entry: 'scraper/src/main.ts', workspace: 'scraper' },
] as const;

/** A stage and the stages it is built FROM, oldest first. */
export function lineage(stages: Stage[], name: string): Stage[] {
  const st = stages.find((s) => s.name === name);
  if (!st) throw new Error(`no stage ${name}`);
  const parent = stages.find((s) => s.name === st.from);
  return parent ? [...lineage(stages, parent.name), st] : [st];
}

/** The registry image a stage starts from, through its FROM chain. */
export function baseImage(stages: Stage[], name: string): string {
  return lineage(stages, name)[0]!.from;
}

/** Node major of a `node:<major>-…` image, or null for another image. */
export function nodeMajor(image: string): number | null {
  const m = /^node:(\d+)(?:[.-]|$)/.exec(image);
  return m ? Number(m[1]) : null;
}
