/** Admin Visitors tab: registration mode and comments switch, invite links, the accounts. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { NotFoundError } from '@waifudex/core/errors';
import type { VisitorAuthService } from '@waifudex/core/services/visitor-auth.service';
import { getVisitorSettings, updateVisitorSettings } from '@waifudex/core/repos/settings.repo';
import {
  deleteVisitor,
  listInvites,
  listVisitors,
  revokeInvite,
  type InviteRow,
} from '@waifudex/core/repos/visitors.repo';
import {
  createInviteBody,
  idParams,
  visitorSettings,
  type CreatedInvite,
  type Invite,
  type RegistrationMode,
  type VisitorsOverview,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';

const presentInvite = (i: InviteRow): Invite => ({
  id: i.id,
  note: i.note,
  max_uses: i.maxUses,
  uses: i.uses,
  expires_at: i.expiresAt,
  revoked_at: i.revokedAt,
  created_at: i.createdAt,
});

export function adminVisitorRoutes(deps: {
  db: Db;
  visitorAuth: VisitorAuthService;
  registration: RegistrationMode;
  requireAdmin: RequestHandler;
}): Router {
  const { db } = deps;
  const overview = async (): Promise<VisitorsOverview> => ({
    settings: await getVisitorSettings(db, deps.registration),
    env_registration: deps.registration,
    visitors: (await listVisitors(db)).map((v) => ({
      id: v.id,
      username: v.username,
      created_at: v.createdAt,
      caught: v.caught,
      likes: v.likes,
      comments: v.comments,
    })),
    invites: (await listInvites(db)).map(presentInvite),
  });
  const r = Router();
  r.get('/api/v1/admin/visitors', deps.requireAdmin, async (_req, res) => {
    res.json(await overview());
  });
  r.put('/api/v1/admin/visitors/settings', deps.requireAdmin, async (req, res) => {
    await updateVisitorSettings(db, parseOr400(visitorSettings.strict(), req.body, 'settings'));
    res.json(await overview());
  });
  r.post('/api/v1/admin/visitors/invites', deps.requireAdmin, async (req, res) => {
    const body = parseOr400(createInviteBody, req.body ?? {}, 'invite');
    const { code, invite } = await deps.visitorAuth.createInvite({
      note: body.note,
      maxUses: body.max_uses,
      expiresInDays: body.expires_in_days,
    });
    res
      .status(201)
      .json({ code, path: `/account?invite=${code}`, invite: presentInvite(invite) } satisfies CreatedInvite);
  });
  r.delete('/api/v1/admin/visitors/invites/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    if (!(await revokeInvite(db, id))) throw new NotFoundError(`no invite ${id}`);
    res.status(204).end();
  });
  r.delete('/api/v1/admin/visitors/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    if (!(await deleteVisitor(db, id))) throw new NotFoundError(`no visitor ${id}`);
    res.status(204).end();
  });
  return r;
}
