/**
 * `npm run scraper -- bot`: the Telegram bot (needs TELEGRAM_BOT_TOKEN from @BotFather). Long polling by
 * default; TELEGRAM_BOT_WEBHOOK_URL switches to a webhook on TELEGRAM_BOT_WEBHOOK_PORT behind the proxy.
 */
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { createWaifudexBot } from '../bot/create-bot.js';
import { runBot } from '../bot/run-bot.js';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

export default async function botCommand(args: string[], ctx: CommandContext): Promise<void> {
  parseCommandLine('bot', args);
  const { config, db, logger } = ctx;
  if (!config.bot.token) {
    throw new UserError('TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in .env');
  }
  const limits = { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels };
  // The bot's own index of the gallery, kept current by the same change notifications as the server's.
  const search = createImageSearchService({ db, images: ctx.images, logger, decode: limits, backgroundReindex: false });
  await search.start();
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    const w = createWaifudexBot({
      token: config.bot.token,
      db,
      search,
      logger,
      publicUrl: config.publicUrl,
      userPerMinute: config.bot.userPerMinute,
      groupPerMinute: config.bot.groupPerMinute,
      maxFileBytes: config.maxUploadBytes,
    });
    await runBot(w, { db, logger, webhookUrl: config.bot.webhookUrl, webhookPort: config.bot.webhookPort, stopped });
  } finally {
    search.stop();
  }
}
