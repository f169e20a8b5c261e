/**
 * `npm run admin -- set-password [USERNAME] [--create]`: creates an admin or resets its password (ends its sessions).
 * The password is asked on the terminal without echo (or read from piped stdin), never taken from argv
 * (shell history), and kept exactly as typed. A name that is not an existing admin needs a confirmation
 * (or --create when piped), so a typo does not quietly create a second admin.
 */
import readline from 'node:readline/promises';
import { Writable } from 'node:stream';
import { createAuthService } from '@waifudex/core/services/auth.service';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

const userError = (message: string) => new UserError(message);

/** Line reader over stdin; on a terminal the typed characters of a secret are not echoed. */
function createPrompt(input: NodeJS.ReadableStream & { isTTY?: boolean }) {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const tty = Boolean(input.isTTY);
  const rl = readline.createInterface({ input, output, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  return {
    tty,
    async ask(question: string, secret = false): Promise<string> {
      if (tty) {
        process.stderr.write(question);
        muted = secret;
        try {
          return await rl.question('');
        } finally {
          muted = false;
          if (secret) process.stderr.write('\n');
        }
      }
      const next = await lines.next();
      if (next.done) throw userError('no password on stdin');
      return next.value; // readline already removed the line ending; nothing else is trimmed
    },
    close: () => rl.close(),
  };
}

export default async function admin(
  args: string[],
  ctx: CommandContext,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<void> {
  const { opts, args: positionals } = parseCommandLine('admin', args);
  const create = opts.create ?? false;
  const username = positionals[1] ?? ctx.config.admin.username;
  const auth = createAuthService({ db: ctx.db });
  const prompt = createPrompt(input);
  try {
    if (!(await auth.adminExists(username)) && (await auth.countAdmins()) > 0 && !create) {
      if (!prompt.tty) throw userError(`no admin named "${username}"; add --create to create a second admin`);
      const answer = await prompt.ask(`There is no admin named "${username}". Create a second admin? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) throw userError('nothing changed');
    }
    const password = await prompt.ask(`new password for ${username}: `, true);
    if (password.length < 8) throw userError('password must have at least 8 characters');
    if (prompt.tty && (await prompt.ask('repeat it: ', true)) !== password)
      throw userError('the passwords differ; nothing changed');
    if (password !== password.trim())
      console.error('note: the password begins or ends with white space, which is kept');
    await auth.setAdminPassword(username, password);
    console.log(`password set for admin "${username}"`);
  } finally {
    prompt.close();
  }
}
