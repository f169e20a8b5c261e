/** Value parsers for command-line options: a bad value becomes one usage line, before anything is opened. */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';

/** An integer in [min, max]; the message names the range. */
export function intBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `must be a whole number ≥ ${min}`
          : `must be a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

/** A whole number ≥ 1. */
export const positiveInt = intBetween(1, Number.MAX_SAFE_INTEGER);

/** A database id (bigint, as text). */
export function databaseId(value: string): string {
  if (!/^[1-9]\d{0,18}$/.test(value.trim())) throw new InvalidArgumentError('must be a numeric id');
  return value.trim();
}

/** A Telegram channel's numeric id (bare, -100… or a t.me/c/<id>/… link) → the bare id. */
export function telegramChannelId(value: string): string {
  try {
    const ref = parseChannelRef(value);
    if (ref.kind === 'id') return ref.peerId;
  } catch {
    /* below */
  }
  throw new InvalidArgumentError("must be the channel's numeric id, its -100… id or a t.me/c/<id>/… link");
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
