/**
 * Visitor accounts: the admin's session design (auth.service.ts) for a separate role. Visitors live in their own
 * tables with their own cookie, so no visitor session can ever pass an admin guard. Sign-up follows the
 * registration mode: closed, by invite link only, or open.
 */
import { verify } from '@node-rs/argon2';
import type { Db } from '../db/database.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import * as repo from '../repos/visitors.repo.js';
import { generateToken, hashPassword, sessionIdOf, SESSION_TTL_MS } from './auth.service.js';
import type { RegistrationMode } from '../api/visitors.js';

const REFRESH_WHEN_LEFT_MS = SESSION_TTL_MS / 2;

export interface VisitorSession {
  sessionId: string;
  visitorId: string;
  username: string;
  csrfToken: string;
  expiresAt: Date;
  /** True when the expiry moved and the cookie must be re-sent. */
  refreshed: boolean;
}

/** Invite codes: 32 base32 characters (160 bits), only their SHA-256 stored. */
export const INVITE_SHAPE = /^[a-z2-7]{32}$/;

export function createVisitorAuthService(deps: { db: Db; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const dummyHash = hashPassword('not-a-password');

  async function startSession(
    visitorId: string,
    username: string,
  ): Promise<{ token: string; session: VisitorSession }> {
    const token = generateToken();
    const s = {
      id: sessionIdOf(token),
      visitorId,
      csrfToken: generateToken(),
      expiresAt: new Date(now() + SESSION_TTL_MS),
    };
    await repo.insertVisitorSession(deps.db, s);
    return {
      token,
      session: {
        sessionId: s.id,
        visitorId,
        username,
        csrfToken: s.csrfToken,
        expiresAt: s.expiresAt,
        refreshed: true,
      },
    };
  }

  return {
    /**
     * Creates an account under the mode in force and logs it in. An invite is used up in the same
     * transaction as the account is created, so a failed sign-up (name taken) does not spend it.
     */
    async signup(
      mode: RegistrationMode,
      username: string,
      password: string,
      invite?: string,
    ): Promise<{ token: string; session: VisitorSession }> {
      if (mode === 'closed') throw new ForbiddenError('Sign-up is closed on this gallery.');
      if (mode === 'invite' && !invite) throw new ForbiddenError('Sign-up needs an invite link on this gallery.');
      const passwordHash = await hashPassword(password);
      const visitorId = await deps.db.transaction(async (tx) => {
        let inviteId: string | null = null;
        if (mode === 'invite' || invite) {
          inviteId = invite && INVITE_SHAPE.test(invite) ? await repo.consumeInvite(tx, sessionIdOf(invite)) : null;
          if (!inviteId && mode === 'invite')
            throw new ForbiddenError('This invite link is not valid any more (used up, expired or revoked).');
        }
        const id = await repo.insertVisitor(tx, { username, passwordHash, inviteId });
        if (!id) throw new ConflictError('That username is taken.');
        return id;
      });
      return startSession(visitorId, username);
    },

    /** Checks username + password; a new session or null. Unknown names cost a hash check too (no timing oracle). */
    async login(username: string, password: string): Promise<{ token: string; session: VisitorSession } | null> {
      const v = await repo.findVisitorByUsername(deps.db, username);
      const ok = await verify(v?.passwordHash ?? (await dummyHash), password).catch(() => false);
      if (!v || !ok) return null;
      return startSession(v.id, v.username);
    },

    async validate(token: string): Promise<VisitorSession | null> {
      const id = sessionIdOf(token);
      const s = await repo.findVisitorSession(deps.db, id);
      if (!s) return null;
      const t = now();
      if (s.expiresAt.getTime() <= t) {
        await repo.deleteVisitorSession(deps.db, id);
        return null;
      }
      let refreshed = false;
      if (s.expiresAt.getTime() - t < REFRESH_WHEN_LEFT_MS) {
        s.expiresAt = new Date(t + SESSION_TTL_MS);
        await repo.extendVisitorSession(deps.db, id, s.expiresAt);
        refreshed = true;
      }
      return {
        sessionId: id,
        visitorId: s.visitorId,
        username: s.username,
        csrfToken: s.csrfToken,
        expiresAt: s.expiresAt,
        refreshed,
      };
    },

    logout: (sessionId: string) => repo.deleteVisitorSession(deps.db, sessionId),
    purgeExpiredSessions: () => repo.deleteExpiredVisitorSessions(deps.db),

    /** Creates an invite; the code is returned once, only its hash is stored. */
    async createInvite(o: {
      note: string;
      maxUses: number;
      expiresInDays: number | null;
    }): Promise<{ code: string; invite: repo.InviteRow }> {
      const code = generateToken();
      const expiresAt = o.expiresInDays ? new Date(now() + o.expiresInDays * 24 * 60 * 60 * 1000) : null;
      const invite = await repo.insertInvite(deps.db, {
        tokenHash: sessionIdOf(code),
        note: o.note,
        maxUses: o.maxUses,
        expiresAt,
      });
      return { code, invite };
    },
  };
}

export type VisitorAuthService = ReturnType<typeof createVisitorAuthService>;
