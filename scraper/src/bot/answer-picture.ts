/** The "who is this?" flow for one picture: limits, file_unique_id memory, download, search, reply. */
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';
import type { Logger } from '@waifudex/core/logger';
import { ImageRejectedError } from '@waifudex/core/images/analyze-image';
import type { BotAnswerService } from '@waifudex/core/services/bot-answer.service';
import { answerHtml, answerKeyboard } from './format.js';
import { downloadFile, DownloadError, type PictureRef } from './pictures.js';
import type { RateLimiter } from './rate-limit.js';

export interface AnswerPictureDeps {
  answers: BotAnswerService;
  logger: Logger;
  apiRoot: string;
  token: string;
  maxFileBytes: number;
  publicUrl: string | undefined;
  userLimiter: RateLimiter;
  /** Users already told to slow down in this window, until when (ms): one warning, then silence. */
  warnedUntil: Map<string, number>;
  now: () => number;
  /** Counts answers for the heartbeat. */
  onAnswer(): void;
}

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

/** What a rejected picture is told, by the engine's rejection code. */
const REJECTED: Record<string, string> = {
  unsupported_type: 'This file is not a picture I can read (JPEG, PNG, WebP, GIF, AVIF or TIFF).',
  too_large: 'This picture is too large.',
  too_many_pixels: 'This picture has too many pixels.',
  too_small: 'This picture is too small to recognise.',
  corrupt: 'This picture is damaged: I could not decode it.',
};

/**
 * Answers `pic` (from `target`) in the chat of ctx, as a reply to `target`. `limited` false skips the per-user
 * limit (automatic group answers are limited per group by the caller).
 */
export async function answerPicture(
  ctx: Context,
  target: Message,
  pic: PictureRef,
  deps: AnswerPictureDeps,
  limited = true,
): Promise<void> {
  const reply = (html: string, extra: Record<string, unknown> = {}) =>
    ctx.api.sendMessage(target.chat.id, html, {
      parse_mode: 'HTML',
      reply_parameters: { message_id: target.message_id, allow_sending_without_reply: true },
      ...extra,
    });
  if (limited && ctx.from) {
    const user = String(ctx.from.id);
    const wait = deps.userLimiter.take(user);
    if (wait > 0) {
      if ((deps.warnedUntil.get(user) ?? 0) > deps.now()) return; // warned already: a flood gets one reply
      if (deps.warnedUntil.size > 10_000) deps.warnedUntil.clear();
      deps.warnedUntil.set(user, deps.now() + wait * 1000);
      await reply(`Too many pictures: try again in ${wait} s.`);
      return;
    }
  }
  const tooLarge = () => reply(`This picture is too large; the limit is ${mb(deps.maxFileBytes)}.`);
  if (pic.fileSize !== undefined && pic.fileSize > deps.maxFileBytes) return void (await tooLarge());

  let answer = await deps.answers.recall(pic.fileUniqueId);
  if (!answer) {
    const file = await ctx.api.getFile(pic.fileId);
    if ((file.file_size ?? 0) > deps.maxFileBytes) return void (await tooLarge());
    if (!file.file_path) return void (await reply('Telegram did not hand me this file; please send it again.'));
    let bytes: Buffer;
    try {
      bytes = await downloadFile({
        apiRoot: deps.apiRoot,
        token: deps.token,
        filePath: file.file_path,
        maxBytes: deps.maxFileBytes,
      });
    } catch (err) {
      if (err instanceof DownloadError && err.reason === 'too_large') return void (await tooLarge());
      deps.logger.warn({ err: (err as Error).message }, 'bot: picture download failed');
      return void (await reply('I could not download this picture; please try again.'));
    }
    try {
      answer = await deps.answers.answer(bytes, pic.fileUniqueId);
    } catch (err) {
      if (err instanceof ImageRejectedError)
        return void (await reply(REJECTED[err.code] ?? 'I cannot read this picture.'));
      throw err;
    }
  }
  deps.onAnswer();
  deps.logger.info(
    { verdict: answer.verdict, ms: answer.tookMs, memory: answer.fromMemory },
    'bot: answered a picture',
  );
  const kb = answerKeyboard(answer, deps.publicUrl);
  await reply(answerHtml(answer), kb ? { reply_markup: kb } : {});
}
