/**
 * Admin character management (list, edit, hide, delete to the trash, bulk actions, trash and undo, upload,
 * replace artwork) and the public character detail.
 */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import type { ImageStore } from '@waifudex/core/services/image-store';
import {
  createAdminCharactersService,
  DEFAULT_TRASH_RETENTION_DAYS,
  type AdminCharactersDeps,
} from '@waifudex/core/services/admin-characters.service';
import { createTrashService, type TrashService } from '@waifudex/core/services/trash.service';
import { createCharacterBulkService } from '@waifudex/core/services/character-bulk.service';
import { BadRequestError } from '@waifudex/core/errors';
import { likeCount } from '@waifudex/core/repos/likes.repo';
import {
  adminCharacterListQuery,
  characterBulkBody,
  characterCreateForm,
  characterPatchBody,
  idParams,
  pageQuery,
  trashRestoreBody,
  BULK_MAX,
  CHARACTER_FIELDS,
  type AdminCharacterList,
  type CharacterBulkResult,
  type TrashList,
  type trashDeleted,
  type trashRestored,
} from '@waifudex/core/api/index';
import type { z } from 'zod';
import { parseOr400 } from '../middleware/validate.js';
import {
  presentAdminCharacterDetail,
  presentAdminListItem,
  presentCharacterDetail,
  presentTrashItem,
} from '../presenters/admin-character.presenter.js';
import { DEFAULT_MAX_UPLOAD_BYTES, imageUpload, readUpload, uploadedFile } from '../http/upload.js';
import { createWorkGate, type WorkGate } from '../http/work-gate.js';

export { DEFAULT_MAX_UPLOAD_BYTES };

/** snake_case API fields → the repo's camelCase fields, dropping what was not given. */
function toFields(b: Partial<Record<keyof typeof CHARACTER_FIELDS, string | null>>, dropNull: boolean) {
  const map = {
    name: 'name',
    anime: 'anime',
    rarity: 'rarity',
    rarity_emoji: 'rarityEmoji',
    source_id: 'sourceId',
    variant: 'variant',
  } as const;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(b))
    if (k in map && v !== undefined && !(dropNull && v === null)) out[map[k as keyof typeof map]] = v;
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
  /** Where deleted characters' files are removed from; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  requireAdmin: RequestHandler;
  /** Transport limit of one upload (multer); the ingest service still checks size and pixels by content. Default 25 MB. */
  maxUploadBytes?: number;
  /** Told about added/removed artworks and edited characters (e.g. to keep the reverse-search index current). */
  onChange?: AdminCharactersDeps['onChange'];
  /** Shared bound on image decoding. */
  gate?: WorkGate;
  /** Where deletes go (default: a trash kept DEFAULT_TRASH_RETENTION_DAYS, purged by whoever schedules it). */
  trash?: TrashService;
}

export function adminCharacterRoutes(deps: AdminCharacterRoutesDeps): Router {
  const trash =
    deps.trash ??
    createTrashService({
      db: deps.db,
      images: deps.images,
      imagesDir: deps.imagesDir,
      retentionDays: DEFAULT_TRASH_RETENTION_DAYS,
    });
  const svc = createAdminCharactersService({ ...deps, trash });
  // a bulk change or a restore touches many characters: in-memory indexes reload what changed
  const touched = () =>
    deps.onChange?.({ characterId: '0', addedArtworkIds: [], removedArtworkIds: [], fieldsChanged: true });
  const bulk = createCharacterBulkService({ db: deps.db, trash, maxItems: BULK_MAX, onChange: touched });
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
    res.json({
      page,
      per_page,
      total,
      total_pages: Math.ceil(total / per_page),
      items: items.map(presentAdminListItem),
    } satisfies AdminCharacterList);
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
    const { character, purgeAt } = await svc.remove(id);
    res.json({ id, name: character.name, deleted_at: character.deletedAt!, purge_at: purgeAt } satisfies z.infer<
      typeof trashDeleted
    >);
  });

  r.post('/api/v1/admin/characters/bulk', admin, async (req, res) => {
    const body = parseOr400(characterBulkBody, req.body ?? {}, 'body');
    const filter = body.filter && {
      q: body.filter.q,
      needsReview: body.filter.needs_review,
      hidden: body.filter.hidden,
    };
    const out = await bulk.run({ action: body.action, fields: body.fields, ids: body.ids, filter });
    res.json({
      action: out.action,
      matched: out.matched,
      changed: out.ids.length,
      ids: out.ids,
    } satisfies CharacterBulkResult);
  });

  r.get('/api/v1/admin/trash', admin, async (req, res) => {
    const { page, per_page } = parseOr400(pageQuery, req.query, 'query');
    const { items, total } = await trash.list({ page, perPage: per_page });
    const body: TrashList = {
      page,
      per_page,
      total,
      total_pages: Math.ceil(total / per_page),
      retention_days: trash.retentionDays,
      items: items.map(presentTrashItem),
    };
    res.json(body);
  });

  r.post('/api/v1/admin/trash/restore', admin, async (req, res) => {
    const { ids } = parseOr400(trashRestoreBody, req.body ?? {}, 'body');
    const out = await trash.restore(ids);
    if (out.characterIds.length) await touched();
    res.json({ restored: out.characterIds } satisfies z.infer<typeof trashRestored>);
  });

  r.post('/api/v1/admin/characters', admin, upload, async (req, res) => {
    // Fields are checked before the image is stored, so a refused form leaves no file behind.
    const body = parseOr400(characterCreateForm, req.body ?? {}, 'form');
    const file = fileOf(req);
    const out = await gate.run(async () =>
      svc.create({ bytes: await readUpload(file), caption: body.caption ?? '', fields: toFields(body, true) }),
    );
    res
      .status(out.status === 'created' ? 201 : 200)
      .json({ status: out.status, character: presentAdminCharacterDetail(out.detail) });
  });

  r.post('/api/v1/admin/characters/:id/artwork', admin, upload, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const file = fileOf(req);
    res.json(presentAdminCharacterDetail(await gate.run(async () => svc.replaceArtwork(id, await readUpload(file)))));
  });
  return r;
}
