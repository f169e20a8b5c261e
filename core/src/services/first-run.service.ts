/** Creates the first admin so a fresh install can log in. */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Logger } from '../logger.js';
import type { AuthService } from './auth.service.js';

/**
 * With no admin yet: uses ADMIN_PASSWORD, or generates one into DATA_DIR/initial-admin-password.txt (0600)
 * and logs where it is; the password itself never goes to the log.
 */
export async function ensureFirstAdmin(deps: {
  auth: AuthService;
  logger: Logger;
  username: string;
  password: string | undefined;
  dataDir: string;
}): Promise<void> {
  if ((await deps.auth.countAdmins()) > 0) return;
  const password = deps.password ?? crypto.randomBytes(12).toString('base64url');
  // replicas starting together all see no admin: one creates it, the others leave it (and its password file) alone
  if (!(await deps.auth.createAdminIfAbsent(deps.username, password))) return;
  let where = 'ADMIN_PASSWORD';
  if (!deps.password) {
    fs.mkdirSync(deps.dataDir, { recursive: true });
    where = path.join(deps.dataDir, 'initial-admin-password.txt');
    writePrivateFile(where, `${password}\n`);
  }
  deps.logger.info(
    { username: deps.username, passwordFrom: where },
    `first-run admin "${deps.username}" created; password in ${where}`,
  );
}

/**
 * Writes a file only its owner can read, even when one already exists (writeFile's `mode` applies only to
 * new files): a fresh 0600 file is written beside it and renamed over the old one.
 */
export function writePrivateFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.fchmodSync(fd, 0o600); // against a umask or ACL that loosened the mode
    fs.writeFileSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
