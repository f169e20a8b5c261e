/**
 * Telegram login from the browser needs a GramJS sign-in, which lives in the scraper package. This loads
 * the scraper's login driver (built beside the server in `npm start` installs) on the first login only,
 * so the server does not load GramJS otherwise. Without Telegram credentials or without the scraper
 * build, there is no driver and the page says to use `npm run scraper -- login`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config } from '@waifudex/core/config/env';
import type { LoginDriver } from '@waifudex/core/services/telegram-login.service';

const DRIVER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scraper/dist/telegram/browser-login-driver.js',
);

type DriverModule = {
  createLoginDriver(o: { apiId: number; apiHash: string; proxy?: string; timeoutMs: number }): LoginDriver;
};

export function scraperLoginDriver(config: Config, file = DRIVER): LoginDriver | null {
  const { apiId, apiHash, proxy, timeoutMs } = config.telegram;
  if (!apiId || !apiHash || !fs.existsSync(file)) return null;
  let driver: Promise<LoginDriver> | null = null;
  return async (o) => {
    driver ??= (import(pathToFileURL(file).href) as Promise<DriverModule>).then((m) =>
      m.createLoginDriver({ apiId, apiHash, proxy, timeoutMs }),
    );
    return (await driver)(o);
  };
}
