/** Public gallery API. */
import { Router, type Request } from 'express';
import { UnauthorizedError } from '@waifudex/core/errors';
import type { Db } from '@waifudex/core/db/database';
import { listPublicPostLinks } from '@waifudex/core/repos/post-links.repo';
import {
  characterFacets,
  didYouMean,
  searchCharacters,
  suggestNames,
  type CharacterSearch,
} from '@waifudex/core/repos/character-search.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { z } from 'zod';
import {
  characterFilterQuery,
  characterListQuery,
  characterSuggestQuery,
  idParams,
  type CharacterFacets,
  type CharacterList,
  type CharacterPostLinks,
  type CharacterSuggestions,
} from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { presentCharacterListItem } from '../presenters/character.presenter.js';
import { createWorkGate, type WorkGate } from '../http/work-gate.js';

// An emoji with its modifiers and joiners (🟡, ❄️, 👩‍🎤); variation selectors are dropped so ❄ finds ❄️ too.
const EMOJI = /\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*/gu;

/** Separates emoji (matched exactly) from the text part of a query (matched by substring/trigram). */
export function splitEmojis(q: string): { text: string; emojis: string[] } {
  const emojis = [...new Set((q.match(EMOJI) ?? []).map((e) => e.replace(/\uFE0F/g, '')))];
  return { text: q.replace(EMOJI, ' ').trim(), emojis };
}

function toSearch(f: z.infer<typeof characterFilterQuery>, req?: Request): CharacterSearch {
  const { text, emojis } = splitEmojis(f.q);
  if (f.mine && !req?.visitor) throw new UnauthorizedError('sign in to filter by your collection');
  const mine = f.mine && req?.visitor ? { visitorId: req.visitor.visitorId, caught: f.mine === 'caught' } : null;
  return { text: normalizeForSearch(text), emojis, anime: f.anime, rarity: f.rarity, channelId: f.channel, mine };
}

/** One page of the public gallery, as GET /api/v1/characters answers it (also inlined into the home page). */
export async function listCharacterPage(
  db: Db,
  query: z.infer<typeof characterListQuery>,
  fuzzy: <T>(search: CharacterSearch, fn: () => Promise<T>) => Promise<T> = (_s, fn) => fn(),
  /** The request, for a signed-in visitor's own filters (none for the inlined home page). */
  req?: Request,
): Promise<CharacterList> {
  const search = toSearch(query, req);
  const sort = query.sort ?? (search.text ? 'relevance' : 'newest');
  const [createdUs, id] = query.cursor?.split('_') ?? [];
  const after = createdUs && id ? { createdUs, id } : null;
  const { items, total, totalIsEstimate, next } = await fuzzy(search, () =>
    searchCharacters(db, search, { page: query.page, perPage: query.per_page, sort, after }),
  );
  return {
    page: query.page,
    per_page: query.per_page,
    total,
    total_pages: Math.ceil(total / query.per_page),
    sort,
    // "Did you mean …" when nothing matched what was typed
    suggestion: total === 0 && search.text ? await fuzzy(search, () => didYouMean(db, search.text)) : null,
    total_is_estimate: totalIsEstimate,
    next_cursor: next ? `${next.createdUs}_${next.id}` : null,
    items: items.map((c) => ({ ...presentCharacterListItem(c), likes: c.likes })),
  };
}

export function characterRoutes(deps: { db: Db; textSearchGate?: WorkGate }): Router {
  // Fuzzy (trigram) matching costs grow with the query and the gallery; a few run at once, the rest wait or get 503.
  const gate =
    deps.textSearchGate ?? createWorkGate({ concurrency: 2, queue: 16, maxWaitMs: 3000, what: 'text searches' });
  const fuzzy = <T>(search: CharacterSearch, fn: () => Promise<T>) => (search.text ? gate.run(fn) : fn());
  const r = Router();
  r.get('/api/v1/characters', async (req, res) => {
    const query = parseOr400(characterListQuery, req.query, 'query');
    res.json(await listCharacterPage(deps.db, query, fuzzy, req));
  });
  r.get('/api/v1/characters/facets', async (req, res) => {
    const search = toSearch(parseOr400(characterFilterQuery, req.query, 'query'), req);
    res.json((await fuzzy(search, () => characterFacets(deps.db, search))) satisfies CharacterFacets);
  });
  r.get('/api/v1/characters/suggest', async (req, res) => {
    const { q } = parseOr400(characterSuggestQuery, req.query, 'query');
    const text = normalizeForSearch(splitEmojis(q).text);
    res.json(
      (await (text
        ? gate.run(() => suggestNames(deps.db, text))
        : suggestNames(deps.db, text))) satisfies CharacterSuggestions,
    );
  });
  // links to the source posts in public channels (the detail page shows them)
  r.get('/api/v1/characters/:id/posts', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json({
      items: (await listPublicPostLinks(deps.db, id)).map((p) => ({
        artwork_id: p.artworkId,
        url: p.url,
        channel: p.channel,
      })),
    } satisfies CharacterPostLinks);
  });
  return r;
}
