/** Public gallery API. */
import { Router } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { listCharacters } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { characterListQuery, type CharacterList } from '@waifudex/core/api/index';
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

export function characterRoutes(deps: { db: Db; textSearchGate?: WorkGate }): Router {
  // Fuzzy (trigram) matching costs grow with the query and the gallery; a few run at once, the rest wait or get 503.
  const gate = deps.textSearchGate ?? createWorkGate({ concurrency: 2, queue: 16, maxWaitMs: 3000, what: 'text searches' });
  const r = Router();
  r.get('/api/v1/characters', async (req, res) => {
    const query = parseOr400(characterListQuery, req.query, 'query');
    const { text, emojis } = splitEmojis(query.q);
    const search = normalizeForSearch(text);
    const list = () => listCharacters(deps.db, { page: query.page, perPage: query.per_page, search, emojis });
    const { items, total } = search ? await gate.run(list) : await list();
    res.json({
      page: query.page,
      per_page: query.per_page,
      total,
      total_pages: Math.ceil(total / query.per_page),
      items: items.map(presentCharacterListItem),
    } satisfies CharacterList);
  });
  return r;
}
