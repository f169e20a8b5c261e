/**
 * Progress of a sync/import: a one-line bar on a TTY (stderr), structured pino lines otherwise.
 * The same counts go to the sync_runs row (the admin panel's live view) through the sync itself.
 */
import type { Logger } from '@waifudex/core/logger';
import type { SyncCounts } from '@waifudex/core/repos/sync-runs.repo';

export interface ProgressSink {
  /** Called often; implementations throttle. `remaining` is an estimate of messages left (null: unknown). */
  update(label: string, counts: SyncCounts): void;
  /** Final line of one channel/import. */
  finish(label: string, counts: SyncCounts, status: string): void;
}

export const silentProgress: ProgressSink = { update() {}, finish() {} };

function skippedTotal(c: SyncCounts): number {
  return Object.values(c.skipped).reduce((a, b) => a + b, 0);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `[####----] 3/8`, the bar every command draws; an unknown (zero) total draws a full bar. */
export function bar(done: number, total: number, width = 24): string {
  const fill = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${total}`;
}

/** A command's progress line: redrawn in place on a TTY, plain lines (as the caller throttles them) elsewhere. */
export function statusLine(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>) {
  const live = Boolean(stream.isTTY);
  return {
    /** Whether each update redraws the same line (then the caller may update on every item). */
    live,
    update: (line: string) => void stream.write(live ? `\r\x1b[2K${line}` : `${line}\n`),
    /** Ends the redrawn line, so what follows starts on its own. */
    end: () => void (live && stream.write('\n')),
  };
}

/** One line: label, bar (when the total is known), counts, rate and ETA. */
export function renderLine(label: string, c: SyncCounts, elapsedS: number, width = 24): string {
  const rate = elapsedS > 0 ? c.scanned / elapsedS : 0;
  const total = c.remaining != null ? c.scanned + c.remaining : null;
  const parts = [label];
  if (total && total > 0) {
    parts.push(bar(c.scanned, total, width));
  } else {
    parts.push(`scanned ${c.scanned}`);
  }
  parts.push(`downloaded ${c.downloaded}`, `new ${c.new}`);
  if (c.updated) parts.push(`updated ${c.updated}`);
  if (c.hidden) parts.push(`hidden ${c.hidden}`);
  const skipped = skippedTotal(c);
  if (skipped) parts.push(`skipped ${skipped}`);
  if (c.failed) parts.push(`failed ${c.failed}`);
  if (c.gapsFilled) parts.push(`gaps filled ${c.gapsFilled}`);
  if (c.gapsOpen) parts.push(`gaps open ${c.gapsOpen} (retried later)`);
  parts.push(`${rate.toFixed(1)} msg/s`);
  if (c.remaining != null && rate > 0) parts.push(`ETA ${formatDuration(c.remaining / rate)}`);
  if (c.waitingUntil) parts.push(`FloodWait until ${c.waitingUntil.slice(11, 19)}`);
  return parts.join(' · ');
}

/** Bar on a TTY, log lines (every intervalMs) otherwise. */
export function createProgress(opts: {
  stream: NodeJS.WriteStream;
  logger: Logger;
  intervalMs?: number;
  now?: () => number;
}): ProgressSink {
  const now = opts.now ?? Date.now;
  const tty = Boolean(opts.stream.isTTY);
  const every = opts.intervalMs ?? (tty ? 150 : 5000);
  const started = new Map<string, number>();
  let last = 0;
  const elapsed = (label: string) => {
    if (!started.has(label)) started.set(label, now());
    return (now() - started.get(label)!) / 1000;
  };
  return {
    update(label, counts) {
      const e = elapsed(label);
      if (now() - last < every) return;
      last = now();
      if (tty) {
        const cols = opts.stream.columns || 120;
        opts.stream.write(`\r\x1b[2K${renderLine(label, counts, e).slice(0, cols - 1)}`);
      } else {
        opts.logger.info(
          { channel: label, ...counts, rate: e > 0 ? +(counts.scanned / e).toFixed(2) : 0 },
          'sync progress',
        );
      }
    },
    finish(label, counts, status) {
      const e = elapsed(label);
      if (tty) opts.stream.write(`\r\x1b[2K${renderLine(label, counts, e)} · ${status}\n`);
      else opts.logger.info({ channel: label, status, ...counts, seconds: +e.toFixed(1) }, 'sync finished');
      started.delete(label);
      last = 0;
    },
  };
}
