/**
 * A typo in an anime title is matched against the distinct titles (migration search-anime-titles): the
 * search finds the title's visible characters, and the titles with their counts follow inserts, renames,
 * hiding, the trash, deletes (a merge deletes the merged character), truncation and concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import { normalizeForSearch } from '../captions/parse-caption.js';
import { characterFacets, searchCharacters } from './character-search.repo.js';

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

/** Characters of these (name, anime) pairs, in one statement. */
const add = async (rows: [string, string][]) =>
  (
    await db.query<{ id: string }>(
      `INSERT INTO characters (name, anime, name_search, anime_search)
       SELECT n, a, ns, an FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) u(n, a, ns, an) RETURNING id::text`,
      [
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
        rows.map((r) => normalizeForSearch(r[0])),
        rows.map((r) => normalizeForSearch(r[1])),
      ],
    )
  ).rows.map((r) => r.id);

/** Titles whose count differs from a recount of the visible characters (either way). */
const drift = async () =>
  (
    await db.query<{ n: number }>(
      `WITH want AS (SELECT anime_search, count(*)::int AS n FROM characters
                      WHERE NOT hidden AND deleted_at IS NULL AND anime_search <> '' GROUP BY 1),
            have AS (SELECT anime_search, n FROM search_anime_titles)
       SELECT count(*)::int AS n FROM ((SELECT * FROM want EXCEPT SELECT * FROM have)
         UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d`,
    )
  ).rows[0]!.n;

const search = (text: string) =>
  searchCharacters(db, { text: normalizeForSearch(text) }, { page: 1, perPage: 24, sort: 'relevance' });

describe('anime titles', () => {
  it('a typo in a title finds its visible characters, with and without the space', async () => {
    const ids = await add([
      ['Kiba Hana', 'Stamin Rovel'],
      ['Mori Tsuki', 'Stamin Rovel'],
      ['Yuna Rei', 'Stamin Rovel'],
      ['Xeplivel Stami', 'Other Show'],
      ['Rovel Kano', 'Different Title'],
    ]);
    await db.query('UPDATE characters SET hidden = true WHERE id = $1', [ids[2]]);
    // the space moved by one letter: the typed words match no title word as typed
    for (const typo of ['Stami nRovel', 'staminrovl', 'Stamin Rovl']) {
      const r = await search(typo);
      expect(
        r.items.map((c) => c.name),
        typo,
      ).toEqual(expect.arrayContaining(['Kiba Hana', 'Mori Tsuki']));
      expect(
        r.items.map((c) => c.name),
        typo,
      ).not.toContain('Yuna Rei');
      expect(r.items.filter((c) => c.anime === 'Stamin Rovel')).toHaveLength(2);
    }
    // the facets of the same search count the title's matches
    const facets = await characterFacets(db, { text: normalizeForSearch('Stami nRovel') });
    expect(facets.anime.find((f) => f.value === 'Stamin Rovel')?.count).toBe(2);
    // a title whose characters are all in the trash is no near miss any more
    await db.query(`UPDATE characters SET deleted_at = now() WHERE anime = 'Stamin Rovel'`);
    expect((await search('staminrovl')).items.filter((c) => c.anime === 'Stamin Rovel')).toEqual([]);
    expect(await drift()).toBe(0);
    // a short query is never matched by similarity
    expect((await search('xyzq')).items).toEqual([]);
  });

  it('the titles follow inserts, renames, hiding, the trash, deletes and truncation', async () => {
    const ids = await add(
      Array.from({ length: 30 }, (_, i) => [`Name ${i}`, ['Alpha Saga', 'Beta Story', 'Gamma'][i % 3]!]),
    );
    expect(await drift()).toBe(0);
    await db.query('UPDATE characters SET hidden = true WHERE id = ANY($1::bigint[])', [ids.slice(0, 6)]);
    await db.query('UPDATE characters SET deleted_at = now() WHERE id = ANY($1::bigint[])', [ids.slice(6, 12)]);
    expect(await drift()).toBe(0);
    // hidden and trashed at once, then back; a rename of the character changes nothing
    await db.query('UPDATE characters SET deleted_at = now() WHERE id = $1', [ids[0]]);
    await db.query('UPDATE characters SET hidden = false WHERE id = ANY($1::bigint[])', [ids.slice(0, 6)]);
    await db.query('UPDATE characters SET deleted_at = NULL WHERE id = ANY($1::bigint[])', [ids.slice(0, 9)]);
    await db.query(
      `UPDATE characters SET name = name || '!', name_search = name_search || 'x' WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    expect(await drift()).toBe(0);
    // a new title for some, every Gamma one moved to another title, and two titles swapped in one statement
    await db.query(`UPDATE characters SET anime = 'Delta', anime_search = 'delta' WHERE id = ANY($1::bigint[])`, [
      ids.slice(12, 15),
    ]);
    await db.query(
      `UPDATE characters SET anime = 'Alpha Saga', anime_search = 'alpha saga' WHERE anime_search = 'gamma'`,
    );
    await db.query(
      `UPDATE characters c SET anime_search = o.anime_search FROM characters o
        WHERE (c.id, o.id) IN (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`,
      [ids[16], ids[17]],
    );
    expect(await drift()).toBe(0);
    expect((await db.query(`SELECT 1 FROM search_anime_titles WHERE anime_search = 'gamma'`)).rowCount).toBe(0);
    // deletes (as a merge deletes the merged character) leave no empty title behind
    await db.query('DELETE FROM characters WHERE id = ANY($1::bigint[])', [ids.slice(12, 30)]);
    expect(await drift()).toBe(0);
    expect((await db.query('SELECT 1 FROM search_anime_titles WHERE n <= 0')).rowCount).toBe(0);
    await db.query('TRUNCATE characters CASCADE');
    expect((await db.query('SELECT 1 FROM search_anime_titles')).rowCount).toBe(0);
  });

  it('count concurrent writers of one new title once each', async () => {
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    const insert = `INSERT INTO characters (name, anime, name_search, anime_search) VALUES ($1, 'Epsilon', $2, 'epsilon')`;
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await a.query(insert, ['One', 'one']);
      // the second writer waits for the first one's title row, then adds to it
      const second = b.query(insert, ['Two', 'two']);
      await a.query('COMMIT');
      await second;
      await b.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    const r = await db.query<{ n: number }>(`SELECT n FROM search_anime_titles WHERE anime_search = 'epsilon'`);
    expect(r.rows[0]?.n).toBe(2);
    expect(await drift()).toBe(0);
  });
});
