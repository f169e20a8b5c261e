/**
 * Gallery paging at scale: the keyset cursor walks the newest-first order without gaps or repeats (ties
 * on created_at included) and agrees with page numbers; the whole gallery's total is exact, a broad search's an
 * estimate.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EXACT_COUNT_LIMIT, RANKED_MATCH_LIMIT } from '@waifudex/core/repos/character-search.repo';
import { startTestServer, type TestServer } from '../testing/test-server.js';

let s: TestServer;
const N = EXACT_COUNT_LIMIT + 60;
type Page = {
  items: { id: string }[];
  total: number;
  total_is_estimate: boolean;
  next_cursor: string | null;
  total_pages: number;
};
const get = async (p: string): Promise<Page> => {
  const res = await fetch(`${s.url}${p}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
};

beforeAll(async () => {
  s = await startTestServer();
  // groups of 7 characters share one creation time, so that the id breaks the ties; every 9th is hidden
  await s.db.query(
    `INSERT INTO characters (name, anime, name_search, anime_search, hidden, created_at)
     SELECT 'Char ' || g, 'Series ' || (g % 50), 'char ' || g, 'series ' || (g % 50), g % 9 = 0,
            timestamptz '2026-01-01' + (g / 7) * interval '1.000001 second'
       FROM generate_series(1, $1::int) g`,
    [Math.ceil((N * 9) / 8)],
  );
  await s.db.query('ANALYZE characters');
});
afterAll(async () => s?.close());

test('the cursor walks the newest-first order like page numbers do, without repeats, hidden ones left out', async () => {
  const byCursor: string[] = [];
  let cursor: string | null = null;
  for (let page = 1; page <= 5; page++) {
    const p: Page = await get(`/api/v1/characters?per_page=50&page=${page}${cursor ? `&cursor=${cursor}` : ''}`);
    byCursor.push(...p.items.map((c) => c.id));
    cursor = p.next_cursor;
    expect(cursor).toMatch(/^\d+_\d+$/);
  }
  const byOffset: string[] = [];
  for (let page = 1; page <= 5; page++)
    byOffset.push(...(await get(`/api/v1/characters?per_page=50&page=${page}`)).items.map((c) => c.id));
  expect(byCursor).toEqual(byOffset);
  expect(new Set(byCursor).size).toBe(250);
  const hidden = await s.db.query<{ id: string }>('SELECT id::text FROM characters WHERE hidden');
  const hiddenIds = new Set(hidden.rows.map((r) => r.id));
  expect(byCursor.some((id) => hiddenIds.has(id))).toBe(false);
});

test('the whole gallery counts exactly; a narrow search counts exactly, a broad one estimates', async () => {
  const all = await get('/api/v1/characters?per_page=24');
  const visible = (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM characters WHERE NOT hidden'))
    .rows[0]!.n;
  // the whole gallery is counted exactly (from the per-hour counts), past the limit too
  expect(visible).toBeGreaterThan(EXACT_COUNT_LIMIT);
  expect(all.total_is_estimate).toBe(false);
  expect(all.total).toBe(visible);
  const few = await get(`/api/v1/characters?q=${encodeURIComponent('char 12345')}`);
  expect(few.total_is_estimate).toBe(false);
  expect(few.total).toBeGreaterThan(24);
  expect(few.total).toBeLessThanOrEqual(RANKED_MATCH_LIMIT);
  // the exact count: the last page holds what the total says is left
  const lastPage = await get(`/api/v1/characters?q=${encodeURIComponent('char 12345')}&page=${few.total_pages}`);
  expect(lastPage.items.length).toBe(few.total - (few.total_pages - 1) * 24);
  // relevance order with a text query pages by number only
  expect(few.next_cursor).toBeNull();
  // "char 1" is in every "char 1…": more matches than are ranked, so an estimate, with the exact name first
  const broad = await get(`/api/v1/characters?q=${encodeURIComponent('char 1')}`);
  expect(broad.total_is_estimate).toBe(true);
  expect(broad.total).toBeGreaterThan(RANKED_MATCH_LIMIT);
  expect(broad.items.length).toBe(24);
  expect(broad.items[0]!.id).toBe(
    (await s.db.query(`SELECT id::text FROM characters WHERE name = 'Char 1'`)).rows[0].id,
  );
});

test('a malformed cursor is a 400 that changes nothing', async () => {
  for (const bad of ['abc', '12_', '_5', '1_2_3', 'x'.repeat(300)]) {
    const res = await fetch(`${s.url}/api/v1/characters?cursor=${encodeURIComponent(bad)}`);
    expect(res.status).toBe(400);
  }
});
