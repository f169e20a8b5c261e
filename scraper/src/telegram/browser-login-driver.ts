/**
 * The login driver the server uses for Telegram login from the browser: the same interactive GramJS
 * sign-in as `npm run scraper -- login`, with its questions answered by the admin page instead of a
 * terminal. The server loads this module at run time, so GramJS stays in the scraper package.
 */
import type { LoginDriver } from '@waifudex/core/services/telegram-login.service';
import { interactiveLogin, type LoginClient } from './login.js';

export function createLoginDriver(o: {
  apiId: number;
  apiHash: string;
  proxy?: string | undefined;
  timeoutMs: number;
  makeClient?: () => LoginClient;
}): LoginDriver {
  return ({ method, prompts }) => interactiveLogin({ ...o, method, prompts });
}
