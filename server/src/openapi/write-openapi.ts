/** `npm run openapi`: writes docs/openapi.json from the code (CI checks that the committed file is current). */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VERSION } from '@waifudex/core/version';
import { buildOpenApi } from './build-openapi.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));

/** The committed form: stable key order and a trailing newline. */
export const serializeOpenApi = () => `${JSON.stringify(buildOpenApi(VERSION), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  fs.writeFileSync(OPENAPI_FILE, serializeOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
