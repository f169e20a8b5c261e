/** Public gallery API. */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@waifudex/core/db/database';
import { listCharacters } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { parseOr400 } from '../middleware/validate.js';
import { presentCharacterListItem } from '../presenters/character.presenter.js';

const listQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(24),
  q: z.string().max(200).default(''),
});

export function characterRoutes(deps: { db: Db }): Router {
  const r = Router();
  r.get('/api/v1/characters', async (req, res) => {
    const query = parseOr400(listQuery, req.query, 'query');
    const { items, total } = await listCharacters(deps.db, { page: query.page, perPage: query.per_page, search: normalizeForSearch(query.q) });
    res.json({
      page: query.page,
      per_page: query.per_page,
      total,
      total_pages: Math.ceil(total / query.per_page),
      items: items.map(presentCharacterListItem),
    });
  });
  return r;
}
