/**
 * Telegram login from the browser. The server holds one login flow at a time and turns each question
 * of the sign-in (phone, code, 2FA password, or a QR code to scan) into a step the admin page answers.
 * The sign-in itself is a `LoginDriver` the scraper package provides (GramJS stays there); the session it
 * returns is stored encrypted and never leaves the server.
 */
import { ConflictError } from '../errors.js';
import type { TelegramSessionStore } from './telegram-session.service.js';

export type LoginStep = 'phone' | 'code' | 'password';

/** The prompts a driver asks through (the scraper's interactive login uses the same shape on a terminal). */
export interface LoginDriverPrompts {
  ask(question: string, step: LoginStep): Promise<string>;
  askSecret(question: string, step: LoginStep): Promise<string>;
  say(line: string): void;
  showQr?(url: string, expires: Date): void;
}

export type LoginDriver = (o: {
  method: 'phone' | 'qr';
  prompts: LoginDriverPrompts;
}) => Promise<{ session: string; accountLabel: string }>;

export interface LoginFlowState {
  id: string;
  method: 'phone' | 'qr';
  /** What the page shows: a form for phone/code/password, the QR code, a spinner, or the end. */
  step: LoginStep | 'qr' | 'working' | 'done' | 'failed' | 'cancelled';
  /** Telegram's last word ("PHONE_CODE_INVALID; try again", the 2FA hint …). */
  message: string | null;
  qrUrl: string | null;
  qrExpiresAt: string | null;
  /** Set when Telegram answered with a FloodWait: no new attempt before then. */
  floodWaitUntil: string | null;
  account: string | null;
}

export interface TelegramLoginService {
  readonly available: boolean;
  state(): LoginFlowState | null;
  start(method: 'phone' | 'qr'): Promise<LoginFlowState>;
  /** Answers the step the flow waits for; resolves with the next state (or the same one after `waitMs`). */
  answer(id: string, step: LoginStep, value: string): Promise<LoginFlowState>;
  cancel(): void;
}

class CancelledError extends Error {
  constructor() {
    super('login cancelled');
  }
}

export interface TelegramLoginDeps {
  driver: LoginDriver | null;
  store: Pick<TelegramSessionStore, 'save'>;
  /** How long a request waits for the flow to move on (default 20 s). */
  waitMs?: number;
  /** An abandoned flow is cancelled after this long without an answer (default 10 min). */
  idleMs?: number;
  now?: () => number;
}

export function createTelegramLoginService(deps: TelegramLoginDeps): TelegramLoginService {
  const now = deps.now ?? Date.now;
  type Flow = LoginFlowState & {
    pending: { step: LoginStep; resolve: (v: string) => void; reject: (e: Error) => void } | null;
  };
  let flow: Flow | null = null;
  let seq = 0;
  let waiters: Array<() => void> = [];
  let idle: NodeJS.Timeout | undefined;

  const publicState = (): LoginFlowState | null => {
    if (!flow) return null;
    const { pending: _pending, ...rest } = flow;
    return { ...rest };
  };
  const changed = () => {
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  const nextChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => cancel(), deps.idleMs ?? 10 * 60_000);
    idle.unref();
  };
  function cancel() {
    clearTimeout(idle);
    if (!flow || ['done', 'failed', 'cancelled'].includes(flow.step)) return;
    flow.pending?.reject(new CancelledError());
    flow.pending = null;
    flow.step = 'cancelled';
    flow.message = 'Login cancelled.';
    changed();
  }

  return {
    available: deps.driver !== null,
    state: publicState,
    cancel,

    async start(method) {
      if (!deps.driver)
        throw new ConflictError('browser login is not available on this server: use `npm run scraper -- login`');
      if (flow?.floodWaitUntil && Date.parse(flow.floodWaitUntil) > now()) {
        throw new ConflictError(`Telegram asked to wait until ${flow.floodWaitUntil} before the next login attempt`);
      }
      cancel();
      const me: Flow = {
        id: String(++seq),
        method,
        step: 'working',
        message: null,
        qrUrl: null,
        qrExpiresAt: null,
        floodWaitUntil: null,
        account: null,
        pending: null,
      };
      flow = me;
      touch();
      const ask = (question: string, step: LoginStep) =>
        new Promise<string>((resolve, reject) => {
          if (flow !== me || me.step === 'cancelled') return reject(new CancelledError());
          me.pending = { step, resolve, reject };
          me.step = step;
          // after a wrong answer, Telegram's verdict ("Wrong password: try again.") stays the message
          const hint = /hint: (.*)\)/.exec(question)?.[1];
          if (step === 'password')
            me.message ??= hint
              ? `Two-step verification is on. Password hint: ${hint}`
              : 'Two-step verification is on: enter the password.';
          changed();
        });
      const prompts: LoginDriverPrompts = {
        ask,
        askSecret: ask,
        say(line) {
          if (flow === me)
            me.message = line.replace(
              /^Telegram said (\w+); try again\.$/,
              (_m, code: string) =>
                `${code === 'PHONE_CODE_INVALID' ? 'Wrong code' : code === 'PASSWORD_HASH_INVALID' ? 'Wrong password' : code}: try again.`,
            );
        },
        showQr(url, expires) {
          if (flow !== me) return;
          me.step = 'qr';
          me.qrUrl = url;
          me.qrExpiresAt = expires.toISOString();
          me.message = 'Scan the code in the Telegram app: Settings → Devices → Link Desktop Device.';
          changed();
        },
      };
      void deps.driver({ method, prompts }).then(
        async ({ session, accountLabel }) => {
          if (flow !== me || me.step === 'cancelled') return;
          me.step = 'working';
          await deps.store.save(session, accountLabel);
          Object.assign(me, {
            step: 'done',
            account: accountLabel,
            message: `Logged in as ${accountLabel}.`,
            qrUrl: null,
            pending: null,
          });
          clearTimeout(idle);
          changed();
        },
        (err: Error & { seconds?: number }) => {
          if (flow !== me || me.step === 'cancelled') return;
          me.pending = null;
          me.step = 'failed';
          me.qrUrl = null;
          if (typeof err.seconds === 'number') {
            me.floodWaitUntil = new Date(now() + err.seconds * 1000).toISOString();
            me.message = `Telegram asks to wait until ${me.floodWaitUntil} (FloodWait) before the next login attempt.`;
          } else {
            me.message = `Login failed: ${err.message}`;
          }
          clearTimeout(idle);
          changed();
        },
      );
      // the first step (phone number or QR code) is usually there at once
      if (me.step === 'working') await nextChange(deps.waitMs ?? 20_000);
      return publicState()!;
    },

    async answer(id, step, value) {
      if (!flow || flow.id !== id) throw new ConflictError('this login is over: start again');
      if (!flow.pending || flow.pending.step !== step)
        throw new ConflictError(`the login does not wait for a ${step} now (it is at "${flow.step}")`);
      const p = flow.pending;
      flow.pending = null;
      flow.step = 'working';
      flow.message = null;
      touch();
      p.resolve(value);
      await nextChange(deps.waitMs ?? 20_000);
      return publicState()!;
    },
  };
}
