/**
 * `npm run scraper -- login [--qr] [--status | --logout]`: logs in to Telegram as a user (phone, code,
 * 2FA password asked on the terminal, or with --qr a QR code to scan in the Telegram app) and stores the
 * session encrypted at rest. The session is never printed.
 */
import readline from 'node:readline';
import { Writable } from 'node:stream';
import type { CommandContext } from '../context.js';
import { parseCommandLine } from '../cli/parse.js';
import { sessionStoreFor, telegramConfigured } from '../sync/telegram-connect.js';
import { interactiveLogin } from '../telegram/login.js';
import { encodeQR } from 'qr';
import { UserError } from '@waifudex/core/errors';

export default async function login(args: string[], ctx: CommandContext): Promise<void> {
  const { opts: values } = parseCommandLine('login', args);
  const { config, db } = ctx;
  const store = sessionStoreFor(config, db);
  if (values.status) {
    const s = await store.status();
    console.error(
      s.state === 'ok'
        ? `Telegram session: logged in as ${s.accountLabel ?? '?'} (since ${s.updatedAt})`
        : `Telegram session: ${s.state}. ${s.message ?? ''}`,
    );
    return;
  }
  if (values.logout) {
    await store.clear();
    console.error('Stored Telegram session removed.');
    return;
  }
  if (!telegramConfigured(config)) {
    throw new UserError(
      'TELEGRAM_API_ID and TELEGRAM_API_HASH must be set first (create them at https://my.telegram.org → API development tools)',
    );
  }
  if (!process.stdin.isTTY) ctx.logger.warn('stdin is not a terminal: answers are read line by line from it');

  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: Boolean(process.stdin.isTTY) });
  const ask = (q: string) =>
    new Promise<string>((resolve, reject) => {
      process.stderr.write(q);
      rl.question('', resolve);
      rl.once('close', () => reject(new UserError('login cancelled')));
    });
  const prompts = {
    ask,
    async askSecret(q: string) {
      process.stderr.write(q);
      muted = true;
      try {
        return await new Promise<string>((resolve) => rl.question('', resolve));
      } finally {
        muted = false;
        process.stderr.write('\n');
      }
    },
    say: (line: string) => process.stderr.write(`${line}\n`),
    showQr(url: string, expires: Date) {
      process.stderr.write(`\n${encodeQR(url, 'term')}\n`);
      process.stderr.write(
        `Scan this in the Telegram app: Settings → Devices → Link Desktop Device (the code renews itself; this one is valid until ${expires.toLocaleTimeString()}).\n`,
      );
    },
  };
  try {
    const { session, accountLabel } = await interactiveLogin({
      apiId: config.telegram.apiId!,
      apiHash: config.telegram.apiHash!,
      proxy: config.telegram.proxy,
      timeoutMs: config.telegram.timeoutMs,
      prompts,
      method: values.qr ? 'qr' : 'phone',
    });
    await store.save(session, accountLabel);
    const where = config.sessionSecret
      ? 'with SESSION_SECRET'
      : `with the key in ${config.dataDir}/telegram-session.key (mode 0600)`;
    console.error(`Logged in as ${accountLabel}. The session is stored encrypted in the database (${where}).`);
    console.error('Run `npm run scraper -- sync` or start the worker to fetch the channels.');
  } finally {
    rl.close();
  }
}
