/** Admin character management (list, edit, hide, delete, upload, replace artwork) and the public character detail. */
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Db } from '@waifudex/core/db/database';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import { createAdminCharactersService, type AdminCharactersDeps } from '@waifudex/core/services/admin-characters.service';
import { BadRequestError } from '@waifudex/core/errors';
import { parseOr400 } from '../middleware/validate.js';
import { presentAdminCharacterDetail, presentAdminListItem, presentCharacterDetail } from '../presenters/admin-character.presenter.js';

export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

const flag = z.enum(['true', 'false', '1', '0', '']).optional().transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'));
const listQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(24),
  q: z.string().max(200).default(''),
  needs_review: flag,
  hidden: flag,
});
const idParams = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a character id') });

/** Text field: trimmed; empty means "no value" (null). */
const text = (max: number) => z.string().trim().max(max).transform((s) => (s === '' ? null : s)).nullable();
const FIELD_SHAPE = { name: text(200), anime: text(200), rarity: text(60), rarity_emoji: text(32), source_id: text(64), variant: text(120) };
const patchBody = z
  .object({ ...FIELD_SHAPE, hidden: z.boolean() })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
const createBody = z.object({ ...FIELD_SHAPE, caption: z.string().max(4096).default('') }).partial().strict();

/** snake_case API fields → the repo's camelCase fields, dropping what was not given. */
function toFields(b: Partial<Record<keyof typeof FIELD_SHAPE, string | null>>, dropNull: boolean) {
  const map = { name: 'name', anime: 'anime', rarity: 'rarity', rarity_emoji: 'rarityEmoji', source_id: 'sourceId', variant: 'variant' } as const;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(b)) if (k in map && v !== undefined && !(dropNull && v === null)) out[map[k as keyof typeof map]] = v;
  return out;
}

function fileOf(req: { file?: Express.Multer.File }): Buffer {
  if (!req.file) throw new BadRequestError('attach the image as the multipart field "image"', undefined, 'image_missing');
  return req.file.buffer;
}

export interface AdminCharacterRoutesDeps {
  db: Db;
  ingest: IngestService;
  imagesDir: string;
  requireAdmin: RequestHandler;
  /** Transport limit of one upload (multer); the ingest service still checks size and pixels by content. Default 25 MB. */
  maxUploadBytes?: number;
  /** Told about added/removed artworks and edited characters (e.g. to keep the reverse-search index current). */
  onChange?: AdminCharactersDeps['onChange'];
}

export function adminCharacterRoutes(deps: AdminCharacterRoutesDeps): Router {
  const svc = createAdminCharactersService(deps);
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 16 * 1024 } }).single('image');
  const admin = deps.requireAdmin;
  const r = Router();

  r.get('/api/v1/characters/:id', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json(presentCharacterDetail(await svc.getPublic(id)));
  });

  r.get('/api/v1/admin/characters', admin, async (req, res) => {
    const { page, per_page, q, needs_review, hidden } = parseOr400(listQuery, req.query, 'query');
    const { items, total } = await svc.list({ page, perPage: per_page, q, needsReview: needs_review, hidden });
    res.json({ page, per_page, total, total_pages: Math.ceil(total / per_page), items: items.map(presentAdminListItem) });
  });

  r.get('/api/v1/admin/characters/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json(presentAdminCharacterDetail(await svc.getAdmin(id)));
  });

  r.patch('/api/v1/admin/characters/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const body = parseOr400(patchBody, req.body ?? {}, 'body');
    res.json(presentAdminCharacterDetail(await svc.edit(id, { ...toFields(body, false), hidden: body.hidden })));
  });

  r.delete('/api/v1/admin/characters/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    await svc.remove(id);
    res.status(204).end();
  });

  r.post('/api/v1/admin/characters', admin, upload, async (req, res) => {
    const body = parseOr400(createBody, req.body ?? {}, 'form');
    const out = await svc.create({ bytes: fileOf(req), caption: body.caption ?? '', fields: toFields(body, true) });
    res.status(out.status === 'created' ? 201 : 200).json({ status: out.status, character: presentAdminCharacterDetail(out.detail) });
  });

  r.post('/api/v1/admin/characters/:id/artwork', admin, upload, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json(presentAdminCharacterDetail(await svc.replaceArtwork(id, fileOf(req))));
  });
  return r;
}
