/**
 * "My collection": the harem-paste preview (which pasted lines name which characters here) and the
 * JSON/CSV export and import. Marking itself is one repo call each.
 */
import type { Db } from '../db/database.js';
import { BadRequestError } from '../errors.js';
import { normalizeForSearch } from '../captions/normalize.js';
import * as repo from '../repos/collection.repo.js';
import { parseHarem, type HaremEntry } from '../visitors/parse-harem.js';
import { parseCsv, toCsv, unguard } from '../visitors/csv.js';
import { z } from 'zod';
import type { CollectionExport, HaremPreview, ImportResult } from '../api/visitors.js';

const CSV_HEADER = ['character_id', 'name', 'anime', 'rarity', 'source_id', 'channel', 'caught_at'];

type Candidate = repo.MatchCandidate;
type Match = { character: Candidate } | { reason: 'no_match' | 'ambiguous' | 'id_name_mismatch' };

const sameName = (a: string, c: Candidate) =>
  a !== '' && (c.nameSearch === a || c.nameSearch.startsWith(`${a} `) || a.startsWith(`${c.nameSearch} `));
const sameAnime = (a: string | null, c: Candidate) =>
  !a || !c.anime || normalizeForSearch(c.anime) === normalizeForSearch(a);

/** Picks the one character a line names: by the bot's id when it has one (checked against the name), else by name (and anime). */
function matchEntry(
  e: Pick<HaremEntry, 'id' | 'name' | 'anime'>,
  byId: Map<string, Candidate[]>,
  byName: Map<string, Candidate[]>,
): Match {
  const name = normalizeForSearch(e.name);
  const one = (list: Candidate[]): Match | null => {
    if (list.length === 1) return { character: list[0]! };
    const inAnime = list.filter((c) => sameAnime(e.anime, c));
    if (inAnime.length === 1) return { character: inAnime[0]! };
    return list.length ? { reason: 'ambiguous' } : null;
  };
  if (e.id) {
    const withId = byId.get(e.id) ?? [];
    const named = one(withId.filter((c) => sameName(name, c)));
    if (named) return named;
    if (withId.length) {
      // the id is a card of another bot here; the name may still be unique
      const byNameOnly = one(byName.get(name) ?? []);
      return byNameOnly && 'character' in byNameOnly ? byNameOnly : { reason: 'id_name_mismatch' };
    }
  }
  return one(byName.get(name) ?? []) ?? { reason: 'no_match' };
}

async function matcher(db: Db, entries: Pick<HaremEntry, 'id' | 'name'>[]) {
  const ids = [...new Set(entries.map((e) => e.id).filter((x): x is string => x !== null))];
  const names = [...new Set(entries.map((e) => normalizeForSearch(e.name)).filter(Boolean))];
  const byId = new Map<string, Candidate[]>();
  const byName = new Map<string, Candidate[]>();
  for (const c of await repo.charactersWithSourceIds(db, ids)) {
    const key = c.sourceId!.replace(/^[#0]+/, '') || '0';
    byId.set(key, [...(byId.get(key) ?? []), c]);
  }
  for (const c of await repo.charactersNamed(db, names))
    byName.set(c.nameSearch, [...(byName.get(c.nameSearch) ?? []), c]);
  return (e: Pick<HaremEntry, 'id' | 'name' | 'anime'>) => matchEntry(e, byId, byName);
}

export function createCollectionService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** What a pasted harem message names: recognised characters (marked or not yet) and the lines that name none. */
    async previewHarem(visitorId: string, text: string): Promise<HaremPreview> {
      const parsed = parseHarem(text);
      const match = await matcher(db, parsed.entries);
      const caught = new Set(await repo.caughtIds(db, visitorId));
      const out: HaremPreview = { family: parsed.family, recognised: [], unrecognised: [] };
      const seen = new Set<string>();
      for (const e of parsed.entries) {
        const m = match(e);
        if ('reason' in m) out.unrecognised.push({ line: e.line, reason: m.reason });
        else if (!seen.has(m.character.id)) {
          seen.add(m.character.id);
          const c = m.character;
          out.recognised.push({
            line: e.line,
            count: e.count,
            caught: caught.has(c.id),
            character: { id: c.id, name: c.name, anime: c.anime, rarity: c.rarity, source_id: c.sourceId },
          });
        }
      }
      return out;
    },

    async exportJson(visitorId: string, now = new Date()): Promise<CollectionExport> {
      const rows = await repo.exportCollection(db, visitorId);
      return {
        version: 1,
        exported_at: now.toISOString(),
        items: rows.map((r) => ({
          character_id: r.characterId,
          name: r.name,
          anime: r.anime,
          rarity: r.rarity,
          source_id: r.sourceId,
          channel: r.channel,
          caught_at: r.caughtAt,
        })),
      };
    },

    async exportCsv(visitorId: string): Promise<string> {
      const rows = await repo.exportCollection(db, visitorId);
      return toCsv(
        CSV_HEADER,
        rows.map((r) => [r.characterId, r.name, r.anime, r.rarity, r.sourceId, r.channel, r.caughtAt]),
      );
    },

    /**
     * Imports an export of this or another Waifudex: rows are matched by character id when the id still
     * names the same character (same name), else by card id + name, else by name + anime. Idempotent.
     */
    async importCollection(visitorId: string, format: 'json' | 'csv', data: string): Promise<ImportResult> {
      const items = format === 'json' ? readJson(data) : readCsv(data);
      const ids = items.map((i) => i.character_id).filter((x): x is string => !!x && /^[1-9]\d{0,18}$/.test(x));
      const byCharacterId = new Map((await repo.charactersById(db, ids)).map((c) => [c.id, c]));
      const match = await matcher(
        db,
        items.map((i) => ({ id: i.source_id ? i.source_id.replace(/^[#0]+(?=\d)/, '') : null, name: i.name ?? '' })),
      );
      const chosen: string[] = [];
      const taken = new Set<string>();
      const caughtAt: (string | null)[] = [];
      const unknown: string[] = [];
      for (const i of items) {
        const direct = i.character_id ? byCharacterId.get(i.character_id) : undefined;
        let id: string | null = null;
        if (direct && (!i.name || sameName(normalizeForSearch(i.name), direct))) id = direct.id;
        else if (i.name) {
          const m = match({
            id: i.source_id ? i.source_id.replace(/^[#0]+(?=\d)/, '') : null,
            name: i.name,
            anime: i.anime ?? null,
          });
          if ('character' in m) id = m.character.id;
        }
        if (id && !taken.has(id)) {
          taken.add(id);
          chosen.push(id);
          caughtAt.push(
            i.caught_at && !Number.isNaN(Date.parse(i.caught_at)) ? new Date(i.caught_at).toISOString() : null,
          );
        } else if (!id && unknown.length < 100)
          unknown.push([i.character_id, i.name, i.anime].filter(Boolean).join(' · ') || '(empty row)');
      }
      const r = await repo.addCaught(db, visitorId, chosen, 'import', caughtAt);
      return { added: r.added, already: chosen.length - r.added - r.missing.length, unknown };
    },
  };
}

const cell = z.union([z.string().max(500), z.number().transform(String)]).nullish();
/** Lenient on purpose: a hand-edited or older export still imports what it names. */
const importJson = z.object({
  items: z
    .array(z.object({ character_id: cell, name: cell, anime: cell, source_id: cell, caught_at: cell }).loose())
    .max(50_000),
});

type ImportItem = {
  character_id?: string | null;
  name?: string | null;
  anime?: string | null;
  source_id?: string | null;
  caught_at?: string | null;
};

function readJson(data: string): ImportItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new BadRequestError('The file is not valid JSON.', undefined, 'invalid_import');
  }
  const r = importJson.safeParse(parsed);
  if (!r.success)
    throw new BadRequestError(
      'The JSON is not a Waifudex collection export (an object with "items").',
      undefined,
      'invalid_import',
    );
  return r.data.items;
}

function readCsv(data: string): ImportItem[] {
  const rows = parseCsv(data);
  const header = rows.shift()?.map((h) => h.trim().toLowerCase()) ?? [];
  if (!header.includes('character_id') && !header.includes('name')) {
    throw new BadRequestError(
      `The CSV needs a header row with character_id and/or name (${CSV_HEADER.join(',')}).`,
      undefined,
      'invalid_import',
    );
  }
  return rows.map(
    (row) =>
      Object.fromEntries(
        header.map((h, i) => [h, row[i] !== undefined && row[i] !== '' ? unguard(row[i]!.trim()) : null]),
      ) as ImportItem,
  );
}

export type CollectionService = ReturnType<typeof createCollectionService>;
