/** Public gallery API. */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '@waifudex/core/db/database';
import { listPublicPostLinks } from '@waifudex/core/repos/post-links.repo';
import { characterFacets, didYouMean, searchCharacters, suggestNames, type CharacterSearch } from '@waifudex/core/repos/character-search.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { parseOr400 } from '../middleware/validate.js';
import { presentCharacterListItem } from '../presenters/character.presenter.js';

const filterQuery = z.object({
  q: z.string().max(200).default(''),
  anime: z.string().min(1).max(300).optional(),
  rarity: z.string().min(1).max(100).optional(),
  channel: z.string().regex(/^\d{1,18}$/, 'must be a channel id').optional(),
});
const listQuery = filterQuery.extend({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(24),
  sort: z.enum(['relevance', 'newest', 'name', 'anime']).optional(),
});
const suggestQuery = z.object({ q: z.string().max(100).default('') });
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a character id') });

// An emoji with its modifiers and joiners (🟡, ❄️, 👩‍🎤); variation selectors are dropped so ❄ finds ❄️ too.
const EMOJI = /\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*/gu;

/** Separates emoji (matched exactly) from the text part of a query (matched by substring/trigram). */
export function splitEmojis(q: string): { text: string; emojis: string[] } {
  const emojis = [...new Set((q.match(EMOJI) ?? []).map((e) => e.replace(/\uFE0F/g, '')))];
  return { text: q.replace(EMOJI, ' ').trim(), emojis };
}

function toSearch(f: z.infer<typeof filterQuery>): CharacterSearch {
  const { text, emojis } = splitEmojis(f.q);
  return { text: normalizeForSearch(text), emojis, anime: f.anime, rarity: f.rarity, channelId: f.channel };
}

export function characterRoutes(deps: { db: Db }): Router {
  const r = Router();
  r.get('/api/v1/characters', async (req, res) => {
    const query = parseOr400(listQuery, req.query, 'query');
    const search = toSearch(query);
    const sort = query.sort ?? (search.text ? 'relevance' : 'newest');
    const { items, total } = await searchCharacters(deps.db, search, { page: query.page, perPage: query.per_page, sort });
    res.json({
      page: query.page,
      per_page: query.per_page,
      total,
      total_pages: Math.ceil(total / query.per_page),
      sort,
      // "Did you mean …" when nothing matched what was typed
      suggestion: total === 0 && search.text ? await didYouMean(deps.db, search.text) : null,
      items: items.map(presentCharacterListItem),
    });
  });
  r.get('/api/v1/characters/facets', async (req, res) => {
    res.json(await characterFacets(deps.db, toSearch(parseOr400(filterQuery, req.query, 'query'))));
  });
  r.get('/api/v1/characters/suggest', async (req, res) => {
    const { q } = parseOr400(suggestQuery, req.query, 'query');
    res.json(await suggestNames(deps.db, normalizeForSearch(splitEmojis(q).text)));
  });
  // links to the source posts in public channels (the detail page shows them)
  r.get('/api/v1/characters/:id/posts', async (req, res) => {
    const { id } = parseOr400(idParam, req.params, 'path');
    res.json({ items: (await listPublicPostLinks(deps.db, id)).map((p) => ({ artwork_id: p.artworkId, url: p.url, channel: p.channel })) });
  });
  return r;
}
