/**
 * Interactive user login with GramJS: phone + code (+ 2FA password), or a QR code scanned with the
 * Telegram app (Settings → Devices → Link Desktop Device). Returns the session string to store.
 */
import type { Api, TelegramClient } from 'telegram';
import { connectFailure, createTelegramClient, saveSession } from './gramjs-source.js';
import { TelegramUnreachableError } from './source.js';
import { withTimeout } from './timeout.js';
import { rpcErrorName, translateError } from './message-mapper.js';

/** What a prompt asks for (a browser login shows a form per step). */
export type LoginStep = 'phone' | 'code' | 'password';

export interface LoginPrompts {
  ask(question: string, step: LoginStep): Promise<string>;
  /** Asks without echoing the answer. */
  askSecret(question: string, step: LoginStep): Promise<string>;
  say(line: string): void;
  /** Shows a tg://login URL as a QR code (QR login; called again when Telegram renews the token). */
  showQr?(url: string, expires: Date): void;
}

export type LoginClient = Pick<
  TelegramClient,
  'connect' | 'signInUser' | 'signInUserWithQrCode' | 'getMe' | 'destroy' | 'session'
>;

const RETRYABLE = new Set(['PHONE_CODE_INVALID', 'PASSWORD_HASH_INVALID', 'PHONE_NUMBER_INVALID', 'PHONE_CODE_EMPTY']);

/** The URL a QR login token is shown as (Telegram's "tg://login?token=<base64url>"). */
export function qrLoginUrl(token: Buffer): string {
  return `tg://login?token=${token.toString('base64url')}`;
}

export async function interactiveLogin(o: {
  apiId: number;
  apiHash: string;
  proxy?: string | undefined;
  timeoutMs: number;
  prompts: LoginPrompts;
  method?: 'phone' | 'qr';
  makeClient?: () => LoginClient;
}): Promise<{ session: string; accountLabel: string }> {
  const client = o.makeClient
    ? o.makeClient()
    : (createTelegramClient({ apiId: o.apiId, apiHash: o.apiHash, session: '', proxy: o.proxy }) as LoginClient);
  let failures = 0;
  /** Why the sign-in stopped: GramJS itself only throws AUTH_USER_CANCEL then. */
  let fatal: unknown = null;
  const password = async (hint?: string) =>
    o.prompts.askSecret(`2FA password${hint ? ` (hint: ${hint})` : ''}: `, 'password');
  const onError = async (err: Error) => {
    const name = rpcErrorName(err);
    if (RETRYABLE.has(name) && ++failures < 3) {
      o.prompts.say(`Telegram said ${name}; try again.`);
      return false;
    }
    const t = translateError(err);
    fatal = t;
    o.prompts.say(`Login failed: ${t instanceof Error ? t.message : String(err)}`);
    return true;
  };
  try {
    // client.start() would call connect(), ignore its `false`, then wait forever in checkAuthorization()
    const ok = await withTimeout(client.connect(), o.timeoutMs, 'connect').catch((err) => {
      throw connectFailure(err);
    });
    if (!ok) throw new TelegramUnreachableError('connection failed; check the network');
    const credentials = { apiId: o.apiId, apiHash: o.apiHash };
    // a new session is never authorised: go straight to the sign-in flow
    const signIn =
      o.method === 'qr'
        ? client.signInUserWithQrCode(credentials, {
            qrCode: async ({ token, expires }) => o.prompts.showQr?.(qrLoginUrl(token), new Date(expires * 1000)),
            password,
            onError,
          })
        : client.signInUser(credentials, {
            phoneNumber: async () =>
              (await o.prompts.ask('Phone number (international format, e.g. +4915112345678): ', 'phone')).replace(
                /[\s()-]/g,
                '',
              ),
            phoneCode: async (viaApp?: boolean) =>
              (await o.prompts.ask(`Login code (sent ${viaApp ? 'in the Telegram app' : 'by SMS'}): `, 'code')).trim(),
            password,
            onError,
          });
    await signIn.catch((err: unknown) => {
      throw fatal ?? err;
    });
    const me = (await withTimeout(client.getMe(), o.timeoutMs, 'getMe')) as Api.User;
    const accountLabel = me.username
      ? `@${me.username}`
      : [me.firstName, me.lastName].filter(Boolean).join(' ') || `user ${me.id.toString()}`;
    return { session: saveSession(client as TelegramClient), accountLabel };
  } finally {
    // catch: the login result (or its error) is what matters; disconnecting is best effort
    await withTimeout(client.destroy(), 5000, 'disconnect').catch(() => undefined);
  }
}
