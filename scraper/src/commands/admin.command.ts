/**
 * `npm run admin -- set-password [USERNAME]`: creates an admin or resets its password (ends its sessions).
 * The password is asked on the terminal (or read from piped stdin), never taken from argv (shell history).
 */
import readline from 'node:readline/promises';
import { createAuthService } from '@waifudex/core/services/auth.service';
import type { CommandContext } from '../context.js';

async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

export default async function admin(args: string[], ctx: CommandContext): Promise<void> {
  const [sub, username = ctx.config.admin.username] = args;
  if (sub !== 'set-password') throw Object.assign(new Error('usage: npm run admin -- set-password [USERNAME]'), { userFacing: true });
  const password = await ask(`new password for ${username}: `);
  if (password.length < 8) throw Object.assign(new Error('password must have at least 8 characters'), { userFacing: true });
  await createAuthService({ db: ctx.db }).setAdminPassword(username, password);
  console.log(`password set for admin "${username}"`);
}
