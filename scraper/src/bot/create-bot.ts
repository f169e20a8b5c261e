/**
 * The Waifudex Telegram bot (issue 17), built on grammY: answers pictures in private chats, `/who` and
 * mentions in groups (privacy mode stays on), automatic answers to a catcher bot where a group admin turned
 * them on, and digests of new characters for subscribers. It only reads the gallery: its writes go to the
 * bot_* tables. Long polling or webhook is the caller's choice (run-bot.ts).
 */
import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { ImageSearchService } from '@waifudex/core/services/image-search.service';
import { createBotAnswerService } from '@waifudex/core/services/bot-answer.service';
import { createBotDigestService } from '@waifudex/core/services/bot-digest.service';
import { getBotState, type BotSettings } from '@waifudex/core/repos/bot-state.repo';
import { updateBotChatMember, upsertBotChat } from '@waifudex/core/repos/bot-chats.repo';
import { answerPicture, type AnswerPictureDeps } from './answer-picture.js';
import { candidatesHtml, digestHtml, parseCandidatesCallback } from './format.js';
import { pictureOf } from './pictures.js';
import { createRateLimiter } from './rate-limit.js';
import { createSendQueue, type SendQueue } from './send-queue.js';
import { registerGroupCommands } from './group-commands.js';
import { registerSubscriptionCommands } from './subscription-commands.js';

export const DEFAULT_API_ROOT = 'https://api.telegram.org';
/** The Bot API refuses getFile downloads above 20 MB. */
export const BOT_API_MAX_DOWNLOAD = 20 * 1024 * 1024;

export interface WaifudexBotDeps {
  token: string;
  db: Db;
  search: Pick<ImageSearchService, 'search'>;
  logger: Logger;
  publicUrl?: string;
  userPerMinute: number;
  groupPerMinute: number;
  maxFileBytes: number;
  /** Tests: a fake Bot API server. */
  apiRoot?: string;
  /** Tests: skips the getMe call at start. */
  botInfo?: UserFromGetMe;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long admin settings are cached (default 10 s). */
  settingsTtlMs?: number;
  /** Digest: seconds a new character waits before it is announced (default 30). */
  settleSeconds?: number;
}

export interface WaifudexBot {
  bot: Bot;
  queue: SendQueue;
  /** Sends the digests of characters that appeared since the last round; returns messages sent. */
  runDigest(): Promise<number>;
  /** Counters since the last call (for the heartbeat). */
  takeCounters(): { answers: number; digests: number };
}

const HELP = [
  'Send or forward me a picture of a character (a spawn, a screenshot, or an image file) and I tell you who it is.',
  '',
  'In groups: reply <code>/who</code> to a picture, or mention me in a picture’s caption.',
  'Group admins: <code>/auto @CatcherBot</code> answers that bot’s spawns automatically, <code>/auto off</code> stops.',
  '',
  'New characters: <code>/subscribe</code> (all), <code>/subscribe anime Name</code>, <code>/subscribe rarity Name</code>, <code>/subscriptions</code>, <code>/unsubscribe</code>.',
].join('\n');

export function createWaifudexBot(deps: WaifudexBotDeps): WaifudexBot {
  const apiRoot = deps.apiRoot ?? DEFAULT_API_ROOT;
  const bot = new Bot(deps.token, { botInfo: deps.botInfo, client: { apiRoot } });
  const answers = createBotAnswerService({ db: deps.db, search: deps.search });
  const digest = createBotDigestService({ db: deps.db, settleSeconds: deps.settleSeconds });
  const queue = createSendQueue({ api: bot.api, logger: deps.logger, sleep: deps.sleep });
  const now = deps.now ?? Date.now;
  const counters = { answers: 0, digests: 0 };
  const pictureDeps: AnswerPictureDeps = {
    answers,
    logger: deps.logger,
    apiRoot,
    token: deps.token,
    maxFileBytes: Math.min(deps.maxFileBytes, BOT_API_MAX_DOWNLOAD),
    publicUrl: deps.publicUrl,
    userLimiter: createRateLimiter({ limit: deps.userPerMinute, windowMs: 60_000, now }),
    warnedUntil: new Map(),
    now,
    onAnswer: () => void counters.answers++,
  };
  const groupLimiter = createRateLimiter({ limit: deps.groupPerMinute, windowMs: 60_000, now });

  let settings: { value: BotSettings; at: number } | null = null;
  async function currentSettings(): Promise<BotSettings> {
    if (!settings || now() - settings.at >= (deps.settingsTtlMs ?? 10_000))
      settings = { value: await getBotState(deps.db), at: now() };
    return settings.value;
  }

  bot.catch((err) =>
    deps.logger.warn(
      { err: err.error instanceof Error ? err.error.message : String(err.error), update: err.ctx.update.update_id },
      'bot: update failed',
    ),
  );

  // Membership changes always count, so the admin page lists the right groups.
  bot.on('my_chat_member', async (ctx) => {
    const { chat, new_chat_member: m } = ctx.myChatMember;
    const member = m.status !== 'left' && m.status !== 'kicked';
    await upsertBotChat(deps.db, {
      chatId: chat.id,
      kind: chat.type,
      title: ('title' in chat ? chat.title : chat.first_name) ?? '',
      member,
    });
  });

  // Admin switch and allow-list.
  bot.use(async (ctx, next) => {
    const s = await currentSettings();
    const isPrivate = ctx.chat?.type === 'private';
    if (!s.enabled) {
      if (isPrivate && ctx.message) await ctx.reply('The bot is paused by the gallery’s admin.');
      return;
    }
    if (s.allowList.length) {
      const ids = [ctx.from?.id, ctx.chat?.id].filter((x) => x !== undefined).map(String);
      if (!ids.some((id) => s.allowList.includes(id))) {
        if (isPrivate && ctx.message) await ctx.reply('This bot is private.');
        return;
      }
    }
    if (ctx.chat && ctx.message) {
      const chat = ctx.chat;
      await upsertBotChat(deps.db, {
        chatId: chat.id,
        kind: chat.type,
        title: 'title' in chat ? (chat.title ?? '') : (chat.first_name ?? ''),
      });
    }
    await next();
  });

  bot.command(['start', 'help'], (ctx) => ctx.reply(HELP, { parse_mode: 'HTML' }));
  registerSubscriptionCommands(bot, deps.db);
  registerGroupCommands(bot, { db: deps.db, pictureDeps, groupLimiter, groupPerMinute: deps.groupPerMinute });

  bot.chatType('private').on('message', async (ctx) => {
    const pic = pictureOf(ctx.message);
    if (pic) return answerPicture(ctx, ctx.message, pic, pictureDeps);
    if (ctx.message.document || ctx.message.sticker || ctx.message.video)
      return void (await ctx.reply('Send the picture as a photo or an image file (JPEG, PNG, WebP).'));
    if (!ctx.message.text?.startsWith('/')) await ctx.reply(HELP, { parse_mode: 'HTML' });
  });

  bot.callbackQuery(/^alt:/, async (ctx) => {
    const ids = parseCandidatesCallback(ctx.callbackQuery.data);
    await ctx.answerCallbackQuery();
    if (!ids || !ctx.chat) return;
    const reply = ctx.callbackQuery.message?.message_id;
    await ctx.api.sendMessage(ctx.chat.id, candidatesHtml(await answers.candidates(ids)), {
      parse_mode: 'HTML',
      ...(reply ? { reply_parameters: { message_id: reply, allow_sending_without_reply: true } } : {}),
    });
  });

  return {
    bot,
    queue,
    async runDigest() {
      const s = await currentSettings();
      if (!s.enabled) return 0;
      let sent = 0;
      const outcomes = (await digest.collect()).map(async (d) => {
        const outcome = await queue.send(d.chatId, digestHtml(d.characters, deps.publicUrl));
        if (outcome === 'sent') sent++;
        if (outcome === 'gone') await updateBotChatMember(deps.db, d.chatId, false);
      });
      await Promise.all(outcomes);
      counters.digests += sent;
      return sent;
    },
    takeCounters() {
      const c = { ...counters };
      counters.answers = 0;
      counters.digests = 0;
      return c;
    },
  };
}
