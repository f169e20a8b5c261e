/** /subscribe, /subscriptions and /unsubscribe: digests of new characters (all, one anime or one rarity). */
import type { Bot } from 'grammy';
import type { Db } from '@waifudex/core/db/database';
import {
  deleteBotSubscriptions,
  insertBotSubscription,
  listBotSubscriptions,
  type SubscriptionKind,
} from '@waifudex/core/repos/bot-subscriptions.repo';
import { escapeHtml } from './format.js';
import { isGroupAdmin } from './group-commands.js';

const MAX_PER_CHAT = 20;
const USAGE = 'Use /subscribe (all new characters), /subscribe anime <i>Name</i> or /subscribe rarity <i>Name</i>.';

/** Parses the text after /subscribe; null when it is malformed. */
export function parseSubscribeArgs(text: string): { kind: SubscriptionKind; value: string } | null {
  const t = text.trim().replace(/\s+/g, ' ');
  if (t === '' || /^all$/i.test(t)) return { kind: 'all', value: '' };
  const m = /^(anime|rarity) (.{1,100})$/i.exec(t);
  return m ? { kind: m[1]!.toLowerCase() as SubscriptionKind, value: m[2]!.trim() } : null;
}

function describe(kind: SubscriptionKind, value: string): string {
  if (kind === 'all') return 'all new characters';
  return kind === 'anime' ? `new characters of ${escapeHtml(value)}` : `new ${escapeHtml(value)} characters`;
}

export function registerSubscriptionCommands(bot: Bot, db: Db): void {
  bot.command('subscribe', async (ctx) => {
    if (ctx.chat.type !== 'private' && !(await isGroupAdmin(ctx)))
      return void (await ctx.reply('Only group admins can subscribe the group.'));
    const args = parseSubscribeArgs(ctx.match);
    if (!args) return void (await ctx.reply(USAGE, { parse_mode: 'HTML' }));
    if ((await listBotSubscriptions(db, ctx.chat.id)).length >= MAX_PER_CHAT)
      return void (await ctx.reply(`At most ${MAX_PER_CHAT} subscriptions per chat: /unsubscribe first.`));
    const added = await insertBotSubscription(db, ctx.chat.id, args.kind, args.value);
    await ctx.reply(
      `${added ? 'Subscribed' : 'Already subscribed'}: ${describe(args.kind, args.value)}. You get one message after each sync.`,
      { parse_mode: 'HTML' },
    );
  });

  bot.command('subscriptions', async (ctx) => {
    const subs = await listBotSubscriptions(db, ctx.chat.id);
    await ctx.reply(
      subs.length
        ? ['Your subscriptions:', ...subs.map((s) => `• ${describe(s.kind, s.value)}`)].join('\n')
        : 'No subscriptions. ' + USAGE,
      { parse_mode: 'HTML' },
    );
  });

  bot.command('unsubscribe', async (ctx) => {
    if (ctx.chat.type !== 'private' && !(await isGroupAdmin(ctx)))
      return void (await ctx.reply('Only group admins can unsubscribe the group.'));
    const n = await deleteBotSubscriptions(db, ctx.chat.id);
    await ctx.reply(n ? `Unsubscribed (${n} subscription${n === 1 ? '' : 's'} removed).` : 'You had no subscriptions.');
  });
}
