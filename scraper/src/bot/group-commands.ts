/**
 * Groups, with privacy mode on: `/who` as a reply to a picture, a picture whose caption mentions the bot,
 * and (when a group admin turned it on with `/auto @CatcherBot`) automatic answers to that catcher bot's
 * pictures, limited per group. Telegram delivers other bots' messages only in Bot-to-Bot Communication Mode
 * and, for messages not addressed to the bot, to a group admin with privacy off, which /auto says.
 */
import type { Bot, Context } from 'grammy';
import type { Message } from 'grammy/types';
import type { Db } from '@waifudex/core/db/database';
import { findBotChat, updateBotChatAutoCatcher } from '@waifudex/core/repos/bot-chats.repo';
import { answerPicture, type AnswerPictureDeps } from './answer-picture.js';
import { pictureOf } from './pictures.js';
import type { RateLimiter } from './rate-limit.js';

const isGroup = (ctx: Context) => ctx.chat?.type === 'group' || ctx.chat?.type === 'supergroup';

/** Whether the sender may change group settings (an admin, or the group itself posting anonymously). */
export async function isGroupAdmin(ctx: Context): Promise<boolean> {
  const m = ctx.message;
  if (!m || !ctx.chat) return false;
  if (m.sender_chat?.id === ctx.chat.id) return true; // anonymous admin
  if (!ctx.from) return false;
  const member = await ctx.api.getChatMember(ctx.chat.id, ctx.from.id);
  return member.status === 'creator' || member.status === 'administrator';
}

function mentionsBot(m: Message, username: string): boolean {
  const text = m.caption ?? '';
  return (m.caption_entities ?? []).some(
    (e) =>
      e.type === 'mention' && text.slice(e.offset + 1, e.offset + e.length).toLowerCase() === username.toLowerCase(),
  );
}

export function registerGroupCommands(
  bot: Bot,
  deps: { db: Db; pictureDeps: AnswerPictureDeps; groupLimiter: RateLimiter; groupPerMinute: number },
): void {
  bot.command('who', async (ctx) => {
    const target = ctx.message?.reply_to_message;
    const pic = pictureOf(target);
    if (!target || !pic)
      return void (await ctx.reply('Reply /who to a picture.', {
        reply_parameters: { message_id: ctx.msgId!, allow_sending_without_reply: true },
      }));
    // the reply goes under the picture; reply_to_message lacks its chat only in a type sense
    await answerPicture(ctx, { ...target, chat: target.chat ?? ctx.chat! }, pic, deps.pictureDeps);
  });

  bot.command('auto', async (ctx) => {
    if (!isGroup(ctx)) return void (await ctx.reply('/auto works in groups.'));
    if (!(await isGroupAdmin(ctx))) return void (await ctx.reply('Only group admins can change automatic answers.'));
    const arg = ctx.match.trim();
    if (!arg) {
      const chat = await findBotChat(deps.db, ctx.chat.id);
      return void (await ctx.reply(
        chat?.autoCatcher
          ? `Automatic answers to @${chat.autoCatcher} are on. /auto off stops them.`
          : 'Automatic answers are off. Turn them on with /auto @CatcherBot.',
      ));
    }
    if (/^off$/i.test(arg)) {
      await updateBotChatAutoCatcher(deps.db, ctx.chat.id, null);
      return void (await ctx.reply('Automatic answers are off.'));
    }
    const m = /^@?([A-Za-z][A-Za-z0-9_]{3,31})$/.exec(arg);
    if (!m || !/bot$/i.test(m[1]!))
      return void (await ctx.reply('Name the catcher bot: /auto @CatcherBot (a bot username ends in "bot").'));
    await updateBotChatAutoCatcher(deps.db, ctx.chat.id, m[1]!.toLowerCase());
    await ctx.reply(
      `Automatic answers to @${m[1]} are on (at most ${deps.groupPerMinute} per minute). Telegram shows me another bot’s pictures only in Bot-to-Bot Communication Mode (@BotFather) and as a group admin with group privacy off: if I stay silent, that is why.`,
    );
  });

  bot.on(['message:photo', 'message:document'], async (ctx, next) => {
    if (!isGroup(ctx)) return next();
    const m = ctx.message;
    const pic = pictureOf(m);
    if (!pic) return next();
    if (mentionsBot(m, ctx.me.username)) return answerPicture(ctx, m, pic, deps.pictureDeps);
    const from = m.from;
    if (!from?.is_bot || !from.username) return next();
    const chat = await findBotChat(deps.db, ctx.chat.id);
    if (!chat?.autoCatcher || chat.autoCatcher !== from.username.toLowerCase()) return next();
    if (deps.groupLimiter.take(String(ctx.chat.id)) > 0) return; // over the group's limit: stay quiet
    await answerPicture(ctx, m, pic, deps.pictureDeps, false);
  });
}
