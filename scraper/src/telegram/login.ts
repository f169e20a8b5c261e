/** Interactive user login with GramJS (phone, code, 2FA password); returns the session string to store. */
import { Api } from 'telegram';
import { connectFailure, createTelegramClient, saveSession } from './gramjs-source.js';
import { TelegramUnreachableError } from './source.js';
import { withTimeout } from './timeout.js';
import { rpcErrorName, translateError } from './message-mapper.js';

export interface LoginPrompts {
  ask(question: string): Promise<string>;
  /** Asks without echoing the answer. */
  askSecret(question: string): Promise<string>;
  say(line: string): void;
}

const RETRYABLE = new Set(['PHONE_CODE_INVALID', 'PASSWORD_HASH_INVALID', 'PHONE_NUMBER_INVALID', 'PHONE_CODE_EMPTY']);

export async function interactiveLogin(o: {
  apiId: number;
  apiHash: string;
  proxy?: string | undefined;
  timeoutMs: number;
  prompts: LoginPrompts;
}): Promise<{ session: string; accountLabel: string }> {
  const client = createTelegramClient({ apiId: o.apiId, apiHash: o.apiHash, session: '', proxy: o.proxy });
  let failures = 0;
  try {
    // client.start() would call connect(), ignore its `false`, then wait forever in checkAuthorization()
    const ok = await withTimeout(client.connect(), o.timeoutMs, 'connect').catch((err) => {
      throw connectFailure(err);
    });
    if (!ok) throw new TelegramUnreachableError('connection failed; check the network');
    // a new session is never authorised: go straight to the sign-in flow
    await client.signInUser({ apiId: o.apiId, apiHash: o.apiHash }, {
      phoneNumber: async () => (await o.prompts.ask('Phone number (international format, e.g. +4915112345678): ')).replace(/[\s()-]/g, ''),
      phoneCode: async (viaApp?: boolean) => (await o.prompts.ask(`Login code (sent ${viaApp ? 'in the Telegram app' : 'by SMS'}): `)).trim(),
      password: async (hint?: string) => o.prompts.askSecret(`2FA password${hint ? ` (hint: ${hint})` : ''}: `),
      onError: async (err: Error) => {
        const name = rpcErrorName(err);
        if (RETRYABLE.has(name) && ++failures < 3) {
          o.prompts.say(`Telegram said ${name}; try again.`);
          return false;
        }
        const t = translateError(err);
        o.prompts.say(`Login failed: ${t instanceof Error ? t.message : String(err)}`);
        return true;
      },
    });
    const me = (await withTimeout(client.getMe(), o.timeoutMs, 'getMe')) as Api.User;
    const accountLabel = me.username ? `@${me.username}` : [me.firstName, me.lastName].filter(Boolean).join(' ') || `user ${me.id.toString()}`;
    return { session: saveSession(client), accountLabel };
  } finally {
    await client.destroy().catch(() => undefined);
  }
}
