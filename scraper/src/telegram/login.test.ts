/** Login against GramJS-like clients: an unreachable Telegram fails at once; QR login shows the token URL. */
import { describe, expect, it } from 'vitest';
import { Api, helpers } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { encodeQR } from 'qr';
import { FakeTelegramClient } from '../testing/fake-telegram-client.js';
import { interactiveLogin, qrLoginUrl, type LoginClient } from './login.js';
import { TelegramUnreachableError } from './source.js';

const prompts = (log: string[]) => ({
  ask: async () => {
    throw new Error('no question expected');
  },
  askSecret: async () => 'secret',
  say: (l: string) => void log.push(l),
  showQr: (url: string) => void log.push(`QR ${url}`),
});

function loginClient(o: { unreachable?: boolean } = {}) {
  const fake = new FakeTelegramClient(o) as unknown as LoginClient & FakeTelegramClient;
  Object.assign(fake, {
    session: new StringSession(''),
    async signInUser() {
      throw new Error('phone login not expected');
    },
    async signInUserWithQrCode(_c: unknown, p: { qrCode: (t: { token: Buffer; expires: number }) => Promise<void> }) {
      await p.qrCode({ token: Buffer.from([0xfb, 0xff, 0x01]), expires: 1_900_000_000 });
      return new Api.User({ id: helpers.returnBigInt('5') });
    },
    async getMe() {
      return new Api.User({ id: helpers.returnBigInt('5'), username: 'tester' });
    },
  });
  return fake;
}

describe('login', () => {
  it('an unreachable Telegram is one clear error, not a prompt that never comes', async () => {
    const err = await interactiveLogin({
      apiId: 1,
      apiHash: 'x',
      timeoutMs: 200,
      prompts: prompts([]),
      makeClient: () => loginClient({ unreachable: true }),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TelegramUnreachableError);
    expect(err.message).toMatch(/^cannot reach Telegram: connection failed/);
  });

  it('QR login shows the login token as a tg://login URL and a terminal QR code', async () => {
    const log: string[] = [];
    const client = loginClient();
    const r = await interactiveLogin({
      apiId: 1,
      apiHash: 'x',
      timeoutMs: 500,
      prompts: prompts(log),
      method: 'qr',
      makeClient: () => client,
    });
    expect(r.accountLabel).toBe('@tester');
    expect(log).toEqual(['QR tg://login?token=-_8B']);
    expect(qrLoginUrl(Buffer.from([0xfb, 0xff, 0x01]))).toBe('tg://login?token=-_8B');
    const term = encodeQR('tg://login?token=-_8B', 'term');
    expect(term.split('\n').length).toBeGreaterThan(10);
    expect(client.destroyed).toBe(true);
  });
});
