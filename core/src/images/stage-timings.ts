/**
 * Time per stage of one image-search request (upload, decode, query variants, candidates, verification,
 * JSON…), sent as a `Server-Timing` header: browser dev tools show it, and the bench reads it to print
 * where a whole upload's time goes. Wall time per stage, plus the process's CPU time (all threads:
 * sharp's and the verify helper's included), which stays meaningful on a loaded box when requests run
 * one at a time, and the CPU of the thread that ran the stage: what its wall time is on an idle box when
 * other threads work alongside it (the verify helper) rather than for it (sharp's decode).
 */
import { threadSchedstat } from './thread-cpu.js';

export interface StageTime {
  name: string;
  /** Wall-clock milliseconds since the previous lap. */
  ms: number;
  /** CPU milliseconds of the whole process over the same span. */
  cpuMs: number;
  /** CPU milliseconds of the thread that lapped the stage (Linux; absent elsewhere). */
  threadMs?: number;
  /** CPU milliseconds a helper thread spent on the stage alongside it (the verify helper, Linux). */
  helperMs?: number;
}

const threadCpu = () => threadSchedstat()?.cpu ?? NaN;

/** What the timed code sees: one call at the end of each stage. */
export interface StageClock {
  /** Ends the current stage under `name` (stages of the same name add up), with a helper thread's CPU in it. */
  lap(name: string, helperMs?: number): void;
  /**
   * Ends the current stage with stages timed elsewhere (the index worker's); what they leave of it (the
   * hand-over between threads) is lapped as `rest`.
   */
  merge(stages: readonly StageTime[], rest: string): void;
}

export class StageTimings implements StageClock {
  readonly stages: StageTime[] = [];
  private wall = performance.now();
  private cpu = process.cpuUsage();
  private thread = threadCpu();

  lap(name: string, helperMs?: number): void {
    this.merge([], name);
    const s = this.stages.find((x) => x.name === name)!;
    if (helperMs !== undefined && Number.isFinite(helperMs)) s.helperMs = (s.helperMs ?? 0) + helperMs;
  }

  merge(stages: readonly StageTime[], rest: string): void {
    const wall = performance.now();
    const cpu = process.cpuUsage(this.cpu);
    const thread = threadCpu();
    let ms = wall - this.wall;
    let cpuMs = (cpu.user + cpu.system) / 1000;
    for (const s of stages) {
      this.add(s.name, s.ms, s.cpuMs, s.threadMs);
      if (s.helperMs !== undefined) this.stages.find((x) => x.name === s.name)!.helperMs = s.helperMs;
      ms -= s.ms;
      cpuMs -= s.cpuMs;
    }
    // (this thread's own CPU is all `rest`'s: the merged stages ran on another thread)
    this.add(rest, Math.max(0, ms), Math.max(0, cpuMs), thread - this.thread);
    this.wall = wall;
    this.cpu = process.cpuUsage();
    this.thread = threadCpu();
  }

  private add(name: string, ms: number, cpuMs: number, threadMs = NaN): void {
    const seen = this.stages.find((s) => s.name === name);
    if (seen) {
      seen.ms += ms;
      seen.cpuMs += cpuMs;
      if (seen.threadMs !== undefined) seen.threadMs += threadMs;
    } else this.stages.push({ name, ms, cpuMs, ...(Number.isFinite(threadMs) ? { threadMs } : {}) });
  }

  /** The `Server-Timing` header value: `verify;dur=30;cpu=58;thread=29;helper=28, …` (unknown params are allowed). */
  header(): string {
    const r = (x: number) => Math.round(x * 10) / 10;
    return this.stages
      .map(
        (s) =>
          `${s.name};dur=${r(s.ms)};cpu=${r(s.cpuMs)}` +
          (s.threadMs === undefined ? '' : `;thread=${r(s.threadMs)}`) +
          (s.helperMs === undefined ? '' : `;helper=${r(s.helperMs)}`),
      )
      .join(', ');
  }
}

/** Parses a `Server-Timing` header written by StageTimings.header() (the bench and tests read it back). */
export function parseServerTiming(header: string | null): StageTime[] {
  if (!header) return [];
  return header.split(',').flatMap((part) => {
    const [name, ...params] = part.trim().split(';');
    if (!name) return [];
    const param = (k: string) => Number(params.find((p) => p.startsWith(`${k}=`))?.slice(k.length + 1) ?? NaN);
    const [threadMs, helperMs] = [param('thread'), param('helper')];
    return [
      {
        name,
        ms: param('dur'),
        cpuMs: param('cpu'),
        ...(Number.isNaN(threadMs) ? {} : { threadMs }),
        ...(Number.isNaN(helperMs) ? {} : { helperMs }),
      },
    ];
  });
}
