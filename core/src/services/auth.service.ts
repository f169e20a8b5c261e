/**
 * Admin authentication after Lucia's session design (the lucia package itself is deprecated):
 * a random token in the cookie, only its SHA-256 in the database, sliding expiry. Passwords: argon2id.
 */
import { hash, verify } from '@node-rs/argon2';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import * as repo from '../repos/admins.repo.js';

const DAY = 24 * 60 * 60 * 1000;
export const SESSION_TTL_MS = 30 * DAY;
/** A session used in its second half is extended to a full TTL again. */
const REFRESH_WHEN_LEFT_MS = 15 * DAY;
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const; // OWASP's argon2id minimum

export interface ValidSession {
  sessionId: string;
  adminId: string;
  username: string;
  csrfToken: string;
  expiresAt: Date;
  /** True when the expiry moved and the cookie must be re-sent. */
  refreshed: boolean;
}

/** A read-only API token as the server sees it. */
export interface ValidApiToken {
  id: string;
  name: string;
}

/** API tokens: `wdx_` and 32 base32 characters (160 bits). */
export const API_TOKEN_SHAPE = /^wdx_[a-z2-7]{32}$/;

/** Random token for cookies and CSRF (160 bits, base32). */
export function generateToken(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
}

/** The database id of a session token. */
export function sessionIdOf(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export const hashPassword = (password: string) => hash(password, ARGON2);

export function createAuthService(deps: { db: Db; now?: () => number }) {
  const now = deps.now ?? Date.now;
  // Verifying against a real hash for unknown users keeps response time from revealing usernames.
  const dummyHash = hash('not-a-password', ARGON2);

  return {
    /** Checks username + password; returns a new session token or null. */
    async login(username: string, password: string): Promise<{ token: string; session: ValidSession } | null> {
      const admin = await repo.findAdminByUsername(deps.db, username);
      const ok = await verify(admin?.passwordHash ?? (await dummyHash), password).catch(() => false);
      if (!admin || !ok) return null;
      const token = generateToken();
      const session = {
        id: sessionIdOf(token),
        adminId: admin.id,
        csrfToken: generateToken(),
        expiresAt: new Date(now() + SESSION_TTL_MS),
      };
      await repo.insertSession(deps.db, session);
      return {
        token,
        session: {
          sessionId: session.id,
          adminId: admin.id,
          username: admin.username,
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt,
          refreshed: true,
        },
      };
    },

    /** Resolves a cookie token to a live session (sliding expiry) or null; expired ones are deleted. */
    async validate(token: string): Promise<ValidSession | null> {
      const id = sessionIdOf(token);
      const s = await repo.findSession(deps.db, id);
      if (!s) return null;
      const t = now();
      if (s.expiresAt.getTime() <= t) {
        await repo.deleteSession(deps.db, id);
        return null;
      }
      let refreshed = false;
      if (s.expiresAt.getTime() - t < REFRESH_WHEN_LEFT_MS) {
        s.expiresAt = new Date(t + SESSION_TTL_MS);
        await repo.extendSession(deps.db, id, s.expiresAt);
        refreshed = true;
      }
      return {
        sessionId: id,
        adminId: s.adminId,
        username: s.username,
        csrfToken: s.csrfToken,
        expiresAt: s.expiresAt,
        refreshed,
      };
    },

    logout: (sessionId: string) => repo.deleteSession(deps.db, sessionId),

    /** Ends every admin session ("log out everywhere"); returns how many were ended. */
    endAllSessions: () => repo.deleteAllSessions(deps.db),

    /** Deletes expired sessions (run on a schedule); returns how many. */
    purgeExpiredSessions: () => repo.deleteExpiredSessions(deps.db),

    /** Creates a read-only API token; the secret is returned once and only its hash is stored. */
    async createApiToken(name: string, createdBy: string | null): Promise<{ token: string; row: repo.ApiTokenRow }> {
      const token = `wdx_${generateToken()}`;
      const row = await repo.insertApiToken(deps.db, {
        name,
        tokenHash: sessionIdOf(token),
        prefix: token.slice(0, 8),
        createdBy,
      });
      return { token, row };
    },

    /** Resolves a bearer token to its row, or null when malformed, unknown or revoked. */
    async validateApiToken(token: string): Promise<ValidApiToken | null> {
      if (!API_TOKEN_SHAPE.test(token)) return null;
      const row = await repo.useApiToken(deps.db, sessionIdOf(token));
      return row ? { id: row.id, name: row.name } : null;
    },

    listApiTokens: () => repo.listApiTokens(deps.db),
    revokeApiToken: (id: string) => repo.deleteApiToken(deps.db, id),

    /** True when an admin of that name (case-insensitive) exists. */
    adminExists: async (username: string) => (await repo.findAdminByUsername(deps.db, username)) !== null,

    /** Creates the admin or resets its password (ends its sessions). */
    async setAdminPassword(username: string, password: string): Promise<void> {
      if (password.length < 8) throw new Error('password must have at least 8 characters');
      await repo.upsertAdmin(deps.db, username, await hashPassword(password));
    },

    /** Creates the admin unless it exists; false when it did (e.g. another replica created it first). */
    async createAdminIfAbsent(username: string, password: string): Promise<boolean> {
      if (password.length < 8) throw new Error('password must have at least 8 characters');
      return (await repo.insertAdminIfAbsent(deps.db, username, await hashPassword(password))) !== null;
    },

    countAdmins: () => repo.countAdmins(deps.db),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
