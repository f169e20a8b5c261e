/**
 * A fake of GramJS's user sign-in (client.signInUser / signInUserWithQrCode) for login tests: it asks
 * the same callbacks in the same order and fails the way Telegram does: PHONE_CODE_INVALID for a wrong
 * code (asked again), SESSION_PASSWORD_NEEDED when 2FA is on (then the password, PASSWORD_HASH_INVALID
 * when wrong), FLOOD_WAIT when too many codes were requested. Like GramJS, an onError that returns true
 * ends the sign-in with AUTH_USER_CANCEL.
 */
import { Api, errors, helpers } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import type { LoginClient } from '../telegram/login.js';

export interface FakeAuthAccount {
  phone: string;
  code: string;
  /** 2FA password, or none. */
  password?: string;
  hint?: string;
  username?: string;
  /** Telegram refuses to send a code: FLOOD_WAIT of this many seconds. */
  floodWaitSeconds?: number;
}

type AuthParams = {
  phoneNumber?: () => Promise<string>;
  phoneCode?: (viaApp?: boolean) => Promise<string>;
  password?: (hint?: string) => Promise<string>;
  qrCode?: (t: { token: Buffer; expires: number }) => Promise<void>;
  onError: (err: Error) => Promise<boolean>;
};

/** What StringSession.save() answers after a login (the fake has no auth key to serialise). */
const savedAs = (session: string) => Object.assign(new StringSession(''), { save: () => session });

const rpc = (name: string, code = 400) => new errors.RPCError(name, undefined as never, code);

export function fakeAuthClient(account: FakeAuthAccount, log: string[] = []): LoginClient & { destroyed: boolean } {
  let authorized = false;
  const fail = async (p: AuthParams, err: Error) => {
    log.push(`error ${err instanceof errors.RPCError ? err.errorMessage : err.message}`);
    if (await p.onError(err)) throw new Error('AUTH_USER_CANCEL');
  };
  async function checkPassword(p: AuthParams) {
    for (;;) {
      const pw = await p.password!(account.hint);
      if (pw === account.password) return;
      await fail(p, rpc('PASSWORD_HASH_INVALID'));
    }
  }
  const client = {
    destroyed: false,
    session: new StringSession(''),
    async connect() {
      return true;
    },
    async destroy() {
      client.destroyed = true;
    },
    async getMe() {
      if (!authorized) throw rpc('AUTH_KEY_UNREGISTERED', 401);
      return new Api.User({
        id: helpers.returnBigInt('77'),
        username: account.username ?? 'fake_user',
        firstName: 'Fake',
      });
    },
    async signInUser(_c: unknown, p: AuthParams) {
      for (;;) {
        const phone = await p.phoneNumber!();
        log.push(`phone ${phone}`);
        if (account.floodWaitSeconds) {
          await fail(p, new errors.FloodWaitError({ capture: account.floodWaitSeconds } as never));
          continue;
        }
        if (phone === account.phone) break;
        await fail(p, rpc('PHONE_NUMBER_INVALID'));
      }
      for (;;) {
        const code = await p.phoneCode!(true);
        log.push('code');
        if (code === account.code) break;
        await fail(p, rpc('PHONE_CODE_INVALID'));
      }
      if (account.password) {
        log.push('error SESSION_PASSWORD_NEEDED'); // GramJS handles this one itself: it asks for the password
        await checkPassword(p);
      }
      authorized = true;
      client.session = savedAs('1fake-session-' + account.phone.replace(/\D/g, ''));
      return new Api.User({ id: helpers.returnBigInt('77') });
    },
    async signInUserWithQrCode(_c: unknown, p: AuthParams) {
      // a real scan takes a while; the fake "scans" after the code was shown twice (Telegram renews it)
      await p.qrCode!({ token: Buffer.from('first-token'), expires: Math.floor(Date.now() / 1000) + 30 });
      await new Promise((r) => setTimeout(r, 300));
      await p.qrCode!({ token: Buffer.from('second-token'), expires: Math.floor(Date.now() / 1000) + 30 });
      await new Promise((r) => setTimeout(r, 300));
      if (account.password) await checkPassword(p);
      authorized = true;
      client.session = savedAs('1fake-qr-session');
      return new Api.User({ id: helpers.returnBigInt('77') });
    },
  };
  return client as unknown as LoginClient & { destroyed: boolean };
}
