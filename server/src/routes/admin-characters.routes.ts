/** Admin character management (list, edit, hide, delete, upload, replace artwork) and the public character detail. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import { createAdminCharactersService, type AdminCharactersDeps } from '@waifudex/core/services/admin-characters.service';
import { BadRequestError } from '@waifudex/core/errors';
import { likeCount } from '@waifudex/core/repos/likes.repo';
import {
  adminCharacterListQuery, characterCreateForm, characterPatchBody, idParams, CHARACTER_FIELDS,
  type AdminCharacterList,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { presentAdminCharacterDetail, presentAdminListItem, presentCharacterDetail } from '../presenters/admin-character.presenter.js';
import { DEFAULT_MAX_UPLOAD_BYTES, imageUpload, readUpload, uploadedFile } from '../http/upload.js';
import { createWorkGate, type WorkGate } from '../http/work-gate.js';

export { DEFAULT_MAX_UPLOAD_BYTES };

/** snake_case API fields → the repo's camelCase fields, dropping what was not given. */
function toFields(b: Partial<Record<keyof typeof CHARACTER_FIELDS, string | null>>, dropNull: boolean) {
  const map = { name: 'name', anime: 'anime', rarity: 'rarity', rarity_emoji: 'rarityEmoji', source_id: 'sourceId', variant: 'variant' } as const;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(b)) if (k in map && v !== undefined && !(dropNull && v === null)) out[map[k as keyof typeof map]] = v;
  return out;
}

function fileOf(req: Parameters<typeof uploadedFile>[0]): Express.Multer.File {
  const file = uploadedFile(req);
  if (!file) throw new BadRequestError('attach the image as the multipart field "image"', undefined, 'image_missing');
  return file;
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
  /** Shared bound on image decoding. */
  gate?: WorkGate;
}

export function adminCharacterRoutes(deps: AdminCharacterRoutesDeps): Router {
  const svc = createAdminCharactersService(deps);
  const upload = imageUpload({ maxBytes: deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, fields: 20 });
  const gate = deps.gate ?? createWorkGate({ concurrency: 2, queue: 8 });
  const admin = deps.requireAdmin;
  const r = Router();

  r.get('/api/v1/characters/:id', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json({ ...presentCharacterDetail(await svc.getPublic(id)), likes: await likeCount(deps.db, id) });
  });

  r.get('/api/v1/admin/characters', admin, async (req, res) => {
    const { page, per_page, q, needs_review, hidden } = parseOr400(adminCharacterListQuery, req.query, 'query');
    const { items, total } = await svc.list({ page, perPage: per_page, q, needsReview: needs_review, hidden });
    res.json({ page, per_page, total, total_pages: Math.ceil(total / per_page), items: items.map(presentAdminListItem) } satisfies AdminCharacterList);
  });

  r.get('/api/v1/admin/characters/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json(presentAdminCharacterDetail(await svc.getAdmin(id)));
  });

  r.patch('/api/v1/admin/characters/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const body = parseOr400(characterPatchBody, req.body ?? {}, 'body');
    res.json(presentAdminCharacterDetail(await svc.edit(id, { ...toFields(body, false), hidden: body.hidden })));
  });

  r.delete('/api/v1/admin/characters/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    await svc.remove(id);
    res.status(204).end();
  });

  r.post('/api/v1/admin/characters', admin, upload, async (req, res) => {
    // Fields are checked before the image is stored, so a refused form leaves no file behind.
    const body = parseOr400(characterCreateForm, req.body ?? {}, 'form');
    const file = fileOf(req);
    const out = await gate.run(async () => svc.create({ bytes: await readUpload(file), caption: body.caption ?? '', fields: toFields(body, true) }));
    res.status(out.status === 'created' ? 201 : 200).json({ status: out.status, character: presentAdminCharacterDetail(out.detail) });
  });

  r.post('/api/v1/admin/characters/:id/artwork', admin, upload, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const file = fileOf(req);
    res.json(presentAdminCharacterDetail(await gate.run(async () => svc.replaceArtwork(id, await readUpload(file)))));
  });
  return r;
}
