/**
 * Comments on characters (off unless the admin turns them on): visitors write plain text that waits for
 * the admin's approval; the public sees approved ones. Rate-limited per visitor in the database.
 */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { ForbiddenError, NotFoundError, TooManyRequestsError } from '@waifudex/core/errors';
import { getVisitorSettings } from '@waifudex/core/repos/settings.repo';
import * as repo from '@waifudex/core/repos/comments.repo';
import {
  commentBody,
  commentQueueQuery,
  idParams,
  type Comment,
  type CommentList,
  type RegistrationMode,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { visitorOf } from '../middleware/visitor-auth.js';

const present = (c: repo.CommentRow): Comment => ({
  id: c.id,
  character_id: c.characterId,
  character_name: c.characterName,
  username: c.username,
  body: c.body,
  status: c.status,
  created_at: c.createdAt,
});

/** Per visitor: this many comments per window. */
const LIMITS = [
  { count: 5, windowMs: 10 * 60_000 },
  { count: 30, windowMs: 24 * 60 * 60_000 },
];

export function commentRoutes(deps: {
  db: Db;
  registration: RegistrationMode;
  requireVisitor: RequestHandler;
  requireAdmin: RequestHandler;
}): Router {
  const { db } = deps;
  const enabled = async () => (await getVisitorSettings(db, deps.registration)).comments;
  const r = Router();
  r.get('/api/v1/characters/:id/comments', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const on = await enabled();
    res.json({
      enabled: on,
      items: on ? (await repo.listApprovedComments(db, id)).map(present) : [],
    } satisfies CommentList);
  });
  r.post('/api/v1/characters/:id/comments', deps.requireVisitor, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { body } = parseOr400(commentBody, req.body, 'comment');
    if (!(await enabled())) throw new ForbiddenError('Comments are turned off on this gallery.');
    const v = visitorOf(req);
    for (const l of LIMITS) {
      if ((await repo.countCommentsSince(db, v.visitorId, new Date(Date.now() - l.windowMs))) >= l.count) {
        throw new TooManyRequestsError(
          `At most ${l.count} comments per ${l.windowMs >= 3600_000 ? `${l.windowMs / 3600_000} h` : `${l.windowMs / 60_000} min`}; try again later.`,
          Math.ceil(l.windowMs / 1000),
        );
      }
    }
    const c = await repo.insertComment(db, { characterId: id, visitorId: v.visitorId, body });
    if (!c) throw new NotFoundError(`no character ${id}`);
    res.status(201).json(present(c));
  });

  r.get('/api/v1/admin/comments', deps.requireAdmin, async (req, res) => {
    const { status } = parseOr400(commentQueueQuery, req.query, 'query');
    res.json({
      enabled: await enabled(),
      items: (await repo.listCommentsByStatus(db, status)).map(present),
    } satisfies CommentList);
  });
  r.post('/api/v1/admin/comments/:id/approve', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const c = await repo.approveComment(db, id);
    if (!c) throw new NotFoundError(`no comment ${id}`);
    res.json(present(c));
  });
  r.delete('/api/v1/admin/comments/:id', deps.requireAdmin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    if (!(await repo.deleteComment(db, id))) throw new NotFoundError(`no comment ${id}`);
    res.status(204).end();
  });
  return r;
}
