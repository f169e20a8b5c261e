/**
 * The search document follows its character and aliases (triggers), and the search's cost guards keep
 * the answers: exact matches without typo-tolerant extras, typos when nothing matches as typed, a
 * rarity word among other words, and deep numbered pages equal to the keyset walk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import { normalizeForSearch } from '../captions/normalize.js';
import { RANKED_MATCH_LIMIT, searchCharacters } from './character-search.repo.js';

let db: Db;
const add = async (name: string, anime: string, rarity: string | null = null) =>
  (
    await db.query<{ id: string }>(
      `INSERT INTO characters (name, anime, rarity, name_search, anime_search) VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
      [name, anime, rarity, normalizeForSearch(name), normalizeForSearch(anime)],
    )
  ).rows[0]!.id;
const names = async (text: string) =>
  (
    await searchCharacters(db, { text: normalizeForSearch(text) }, { page: 1, perPage: 50, sort: 'relevance' })
  ).items.map((c) => c.name);
const doc = async (id: string) =>
  (await db.query<{ d: string }>('SELECT search_doc AS d FROM characters WHERE id = $1', [id])).rows[0]!.d;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

describe('search document', () => {
  it('holds name, anime, the space-free name and every alias, and follows edits and alias moves', async () => {
    const a = await add('Hu Tao', 'Genshin Impact');
    const b = await add('Zhongli', 'Genshin Impact');
    expect(await doc(a)).toBe('hu tao\ngenshin impact\nhutao');
    await db.query(`INSERT INTO character_aliases (character_id, name, name_search) VALUES ($1, '胡桃', '胡桃')`, [a]);
    expect(await names('胡桃')).toEqual(['Hu Tao']);
    await db.query(`UPDATE character_aliases SET character_id = $1 WHERE name = '胡桃'`, [b]);
    expect(await doc(a)).not.toContain('胡桃');
    expect(await names('胡桃')).toEqual(['Zhongli']);
    await db.query(`DELETE FROM character_aliases WHERE name = '胡桃'`);
    expect(await names('胡桃')).toEqual([]);
    await db.query(`UPDATE characters SET name = 'Hu Tao II', name_search = 'hu tao ii' WHERE id = $1`, [a]);
    expect(await doc(a)).toBe('hu tao ii\ngenshin impact\nhutaoii');
    // hidden characters leave the search (the trigram index covers only the visible ones)
    await db.query('UPDATE characters SET hidden = true WHERE id = $1', [a]);
    expect(await names('hu tao')).toEqual([]);
  });
});

/** Rows of the word index that differ from what the search documents of the visible characters say. */
const wordIndexDrift = async () =>
  (
    await db.query<{ n: number }>(
      `WITH want AS (SELECT w.word, c.id AS character_id, w.in_name FROM characters c, character_search_words_of(c.search_doc) w
                      WHERE NOT c.hidden AND c.deleted_at IS NULL),
            have AS (SELECT word, character_id, in_name FROM character_search_words)
       SELECT count(*)::int AS n FROM ((SELECT * FROM want EXCEPT SELECT * FROM have)
         UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d`,
    )
  ).rows[0]!.n;

describe('word index', () => {
  it('follows inserts, edits, aliases and their moves (what a merge does), hiding, the trash and deletes', async () => {
    const a = await add('Kamori Shina', 'Velpa Vicas');
    const b = await add('Doru Kamo', 'Velpa Vicas');
    const words = async (id: string) =>
      (
        await db.query<{ word: string }>(
          'SELECT word FROM character_search_words WHERE character_id = $1 ORDER BY word',
          [id],
        )
      ).rows.map((r) => r.word);
    expect(await words(a)).toEqual(['kamori', 'kamori shina', 'kamorishina', 'shina', 'velpa', 'velpa vicas', 'vicas']);
    expect(await names('kamo')).toEqual(['Doru Kamo', 'Kamori Shina']); // a whole word first
    expect(await names('velpa vi')).toEqual(['Doru Kamo', 'Kamori Shina'].sort());
    // words of the name and of the title, read from the word index alone
    expect(await names('vicas doru')).toEqual(['Doru Kamo']);
    expect(await names('kamo velpa')).toEqual(['Doru Kamo', 'Kamori Shina']);
    await db.query(`UPDATE characters SET name = 'Kamora Shina', name_search = 'kamora shina' WHERE id = $1`, [a]);
    expect(await words(a)).not.toContain('kamori');
    expect(await names('kamora')).toEqual(['Kamora Shina']);
    await db.query(`INSERT INTO character_aliases (character_id, name, name_search) VALUES ($1, 'Mei Ra', 'mei ra')`, [
      a,
    ]);
    expect(await names('mei ra')).toEqual(['Kamora Shina']);
    await db.query(`UPDATE character_aliases SET character_id = $1 WHERE name = 'Mei Ra'`, [b]);
    expect(await names('mei ra')).toEqual(['Doru Kamo']);
    await db.query('UPDATE characters SET hidden = true WHERE id = $1', [a]);
    expect(await words(a)).toEqual([]);
    await db.query('UPDATE characters SET hidden = false WHERE id = $1', [a]);
    expect(await names('kamora shina')).toEqual(['Kamora Shina']);
    await db.query('UPDATE characters SET deleted_at = now() WHERE id = $1', [b]);
    expect(await names('doru')).toEqual([]);
    await db.query('UPDATE characters SET deleted_at = NULL WHERE id = $1', [b]);
    expect(await names('doru')).toEqual(['Doru Kamo']);
    expect(await wordIndexDrift()).toBe(0);
    await db.query('DELETE FROM characters WHERE id = ANY($1::bigint[])', [[a, b]]);
    expect(await words(a)).toEqual([]);
    expect(await words(b)).toEqual([]);
  });

  it('a multi-word query with one word off finds the name by its other words; a word inside a word still matches', async () => {
    await add('Raiden Shogun', 'Genshin Impact');
    expect(await names('raiden shgun')).toEqual(['Raiden Shogun']);
    expect(await names('shogun raidn')).toEqual(['Raiden Shogun']);
    expect(await names('aiden')).toEqual(['Raiden Shogun']); // not a word start: the substring fallback
    expect(await names('raiden zzzzzz qqqqq')).toEqual([]);
  });
});

describe('what the cost guards keep', () => {
  beforeAll(async () => {
    await add('Necrozma', 'Pokemon', 'Legendary');
    await add('Necrozmara', 'Digimon', 'Common');
    await add('Kyogre', 'Pokemon', 'Legendary');
    await add('Kyogre', 'Pokemon Ranger', 'Common');
  });

  it('an exact match comes without typo-tolerant neighbours; a typo finds the name', async () => {
    expect(await names('necrozma')).toEqual(['Necrozma', 'Necrozmara']); // substrings, best first
    expect(await names('necrosma')).toContain('Necrozma');
    expect(await names('nekrozmq')).toEqual([]);
  });

  it('a rarity word filters the other words’ matches', async () => {
    expect(await names('legendary kyogre')).toEqual(['Kyogre']);
    expect(await names('common kyogre')).toEqual(['Kyogre']);
    expect((await names('legendary')).sort()).toEqual(['Kyogre', 'Necrozma']);
  });

  it('ranks the exact name first even when a query has more matches than are ranked', async () => {
    await db.query(
      `INSERT INTO characters (name, anime, name_search, anime_search)
       SELECT 'Mob ' || g, 'Crowd', 'mob ' || g, 'crowd' FROM generate_series(1, $1::int) g`,
      [RANKED_MATCH_LIMIT + 200],
    );
    // stored after the others: not among the first matches the index returns
    await add('Mob', 'Crowd');
    const broad = await searchCharacters(db, { text: 'mob' }, { page: 1, perPage: 24, sort: 'relevance' });
    expect(broad.items[0]!.name).toBe('Mob');
    expect(broad.totalIsEstimate).toBe(true);
    expect(broad.total).toBeGreaterThan(RANKED_MATCH_LIMIT);
    expect(broad.items).toHaveLength(24);
  });

  it('a numbered deep page is the page the keyset walk reaches', async () => {
    let after = null;
    let walked: string[] = [];
    for (let page = 1; page <= 30; page++) {
      const p = await searchCharacters(db, { text: '' }, { page, perPage: 40, sort: 'newest', after });
      walked = p.items.map((c) => c.id);
      after = p.next;
    }
    const jumped = await searchCharacters(db, { text: '' }, { page: 30, perPage: 40, sort: 'newest' });
    expect(jumped.items.map((c) => c.id)).toEqual(walked);
    expect(walked).toHaveLength(40);
  });
});

describe('the search settings', () => {
  it('a text search sets its cost cap and trigram threshold for the rest of its transaction, without a statement of their own', async () => {
    const seen: string[] = [];
    const settings = await db.transaction(async (tx) => {
      const q = { query: (text: string, params?: unknown[]) => (seen.push(text), tx.query(text, params)) };
      await searchCharacters(q as typeof tx, { text: 'kyogre' }, { page: 1, perPage: 24, sort: 'relevance' });
      return (
        await tx.query<{ timeout: string; trgm: string }>(
          `SELECT current_setting('statement_timeout') AS timeout, current_setting('pg_trgm.word_similarity_threshold') AS trgm`,
        )
      ).rows[0]!;
    });
    expect(settings).toEqual({ timeout: '1s', trgm: '0.5' });
    expect(seen.filter((t) => /^\s*SET /i.test(t))).toEqual([]);
    // outside the search's transaction the server's own settings hold
    const after = await db.query<{ trgm: string }>(
      `SELECT current_setting('pg_trgm.word_similarity_threshold', true) AS trgm`,
    );
    expect(after.rows[0]!.trgm).not.toBe('0.5');
  });
});
