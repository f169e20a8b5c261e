/**
 * Outgoing digest messages, one at a time under Telegram's limits (about 30 messages per second overall,
 * one per second per chat): a fixed pace between sends, and on 429 the wait Telegram names in
 * `parameters.retry_after` before the same message is tried again. A chat that blocked the bot or
 * removed it (403, or 400 "chat not found") is reported so that its subscriptions stop.
 */
import { GrammyError, type Api } from 'grammy';
import type { Logger } from '@waifudex/core/logger';

export type SendOutcome = 'sent' | 'gone' | 'failed';

export interface SendQueue {
  /** Queues an HTML message; resolves when it was sent or given up. */
  send(chatId: string, html: string): Promise<SendOutcome>;
  /** Resolves when the queue is empty. */
  idle(): Promise<void>;
  readonly pending: number;
}

export function createSendQueue(deps: {
  api: Pick<Api, 'sendMessage'>;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** Pause between two sends (default 50 ms: 20 per second, under the global limit). */
  paceMs?: number;
  /** Tries per message, 429 waits included (default 5). */
  maxAttempts?: number;
  /** Longest retry_after honoured; a longer one gives up on the message (default 300 s). */
  maxRetryAfterS?: number;
}): SendQueue {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pace = deps.paceMs ?? 50;
  const maxAttempts = deps.maxAttempts ?? 5;
  const maxRetryAfter = deps.maxRetryAfterS ?? 300;
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;

  async function deliver(chatId: string, html: string): Promise<SendOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.api.sendMessage(chatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
        return 'sent';
      } catch (err) {
        if (err instanceof GrammyError) {
          const retryAfter = err.parameters?.retry_after;
          if (
            err.error_code === 429 &&
            retryAfter !== undefined &&
            retryAfter <= maxRetryAfter &&
            attempt < maxAttempts
          ) {
            deps.logger.warn({ retryAfter, chatId }, 'bot: Telegram asked to slow down');
            await sleep(retryAfter * 1000);
            continue;
          }
          if (err.error_code === 403 || (err.error_code === 400 && /chat not found/i.test(err.description)))
            return 'gone';
          deps.logger.warn({ chatId, code: err.error_code, description: err.description }, 'bot: digest not sent');
          return 'failed';
        }
        if (attempt >= maxAttempts) {
          deps.logger.warn({ chatId, err: (err as Error).message }, 'bot: digest not sent');
          return 'failed';
        }
        await sleep(1000 * attempt); // network trouble: back off and retry
      }
    }
  }

  return {
    get pending() {
      return pending;
    },
    send(chatId, html) {
      pending++;
      const p = tail.then(async () => {
        try {
          return await deliver(chatId, html);
        } finally {
          pending--;
          await sleep(pace);
        }
      });
      // catch: the tail only orders the sends; the caller gets `p` and its rejection
      tail = p.catch(() => undefined);
      return p;
    },
    idle: () => tail.then(() => undefined),
  };
}
