/**
 * Numbered gallery pages seek by the per-minute counts of visible characters (migration
 * gallery-position-counts): every page equals the OFFSET walk it replaces, and the counts follow
 * inserts, hiding, the trash, moves in time, deletes, truncation and concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import { searchCharacters } from './character-search.repo.js';

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

/** Characters created at `at` (ISO times), one row each, in one statement. */
const addAt = async (at: string[]) =>
  (
    await db.query<{ id: string }>(
      `INSERT INTO characters (name, anime, name_search, anime_search, created_at)
       SELECT 'C ' || i, 'A', 'c ' || i, 'a', t FROM unnest($1::timestamptz[]) WITH ORDINALITY u(t, i) RETURNING id::text`,
      [at],
    )
  ).rows.map((r) => r.id);

/** Counts that differ from a recount of the characters. */
const drift = async () =>
  (
    await db.query<{ n: number }>(
      `WITH want AS (SELECT 1 AS level, gallery_minute(created_at) AS bucket, count(*)::int AS n FROM characters
                      WHERE NOT hidden AND deleted_at IS NULL GROUP BY 2
                     UNION ALL SELECT 2, floor(gallery_minute(created_at) / 60.0)::bigint, count(*)::int FROM characters
                      WHERE NOT hidden AND deleted_at IS NULL GROUP BY 2),
            have AS (SELECT level::int, bucket, n FROM gallery_time_counts)
       SELECT count(*)::int AS n FROM ((SELECT * FROM want EXCEPT SELECT * FROM have)
         UNION ALL (SELECT * FROM have EXCEPT SELECT * FROM want)) d`,
    )
  ).rows[0]!.n;

/** Every numbered page (and one past the last) against OFFSET over the visible characters. */
async function expectPagesAsOffset(perPage: number) {
  const all = (
    await db.query<{ id: string }>(
      `SELECT id::text FROM characters WHERE NOT hidden AND deleted_at IS NULL ORDER BY created_at DESC, id DESC`,
    )
  ).rows.map((r) => r.id);
  const pages = Math.ceil(all.length / perPage) + 1;
  for (let page = 1; page <= pages; page++) {
    const p = await searchCharacters(db, { text: '' }, { page, perPage, sort: 'newest' });
    expect(
      p.items.map((c) => c.id),
      `page ${page}`,
    ).toEqual(all.slice((page - 1) * perPage, page * perPage));
    expect(p.total).toBe(all.length);
    expect(p.totalIsEstimate).toBe(false);
  }
}

describe('numbered gallery pages', () => {
  it('equal the OFFSET walk across minutes, hours, equal times and times before 1970', async () => {
    const times: string[] = [];
    const base = Date.parse('2024-03-01T10:00:00Z');
    // 150 rows: bursts within a minute, gaps of hours, several at the very same time
    for (let i = 0; i < 150; i++)
      times.push(new Date(base - Math.floor(i / 3) * 17_000 - (i % 7) * 3_600_000).toISOString());
    times.push('1969-12-31T23:59:30Z', '1969-12-31T23:59:30Z', '1960-01-01T00:00:00Z', '2024-03-01T10:00:00Z');
    await addAt(times);
    expect(await drift()).toBe(0);
    await expectPagesAsOffset(7);
    await expectPagesAsOffset(24);
  });

  it('follow hiding, the trash, moves in time, deletes and truncation', async () => {
    const ids = await addAt(
      Array.from({ length: 40 }, (_, i) => new Date(Date.parse('2025-01-01T00:00:00Z') + i * 45_000).toISOString()),
    );
    await db.query('UPDATE characters SET hidden = true WHERE id = ANY($1::bigint[])', [ids.slice(0, 5)]);
    await db.query('UPDATE characters SET deleted_at = now() WHERE id = ANY($1::bigint[])', [ids.slice(5, 10)]);
    expect(await drift()).toBe(0);
    await expectPagesAsOffset(9);
    // hidden and trashed at once, then back; a rename changes nothing
    await db.query('UPDATE characters SET deleted_at = now() WHERE id = $1', [ids[0]]);
    await db.query('UPDATE characters SET hidden = false WHERE id = ANY($1::bigint[])', [ids.slice(0, 5)]);
    await db.query('UPDATE characters SET deleted_at = NULL WHERE id = ANY($1::bigint[])', [ids.slice(0, 8)]);
    await db.query(`UPDATE characters SET name = name || '!' WHERE id = ANY($1::bigint[])`, [ids]);
    expect(await drift()).toBe(0);
    // moved to another minute and hour, and a swap of two rows' times in one statement
    await db.query(`UPDATE characters SET created_at = created_at - interval '3 hours' WHERE id = ANY($1::bigint[])`, [
      ids.slice(10, 20),
    ]);
    await db.query(
      `UPDATE characters c SET created_at = o.created_at FROM characters o
        WHERE (c.id, o.id) IN (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`,
      [ids[20], ids[39]],
    );
    expect(await drift()).toBe(0);
    await expectPagesAsOffset(9);
    await db.query('DELETE FROM characters WHERE id = ANY($1::bigint[])', [ids.slice(15, 30)]);
    expect(await drift()).toBe(0);
    await expectPagesAsOffset(9);
    // an empty minute or hour leaves no row behind
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM gallery_time_counts WHERE n <= 0');
    expect(rows.rows[0]!.n).toBe(0);
    await db.query('TRUNCATE characters CASCADE');
    expect((await db.query('SELECT 1 FROM gallery_time_counts')).rowCount).toBe(0);
    expect((await searchCharacters(db, { text: '' }, { page: 3, perPage: 9, sort: 'newest' })).items).toEqual([]);
  });

  it('count concurrent writers of one minute once each', async () => {
    const at = '2026-06-01T12:00:10Z';
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await a.query(
        `INSERT INTO characters (name, anime, name_search, anime_search, created_at) VALUES ('X', 'A', 'x', 'a', $1)`,
        [at],
      );
      // b waits for a's minute row; both commit
      const second = b.query(
        `INSERT INTO characters (name, anime, name_search, anime_search, created_at) VALUES ('Y', 'A', 'y', 'a', $1), ('Z', 'A', 'z', 'a', $1)`,
        [at],
      );
      await a.query('COMMIT');
      await second;
      await b.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    expect(await drift()).toBe(0);
    await expectPagesAsOffset(2);
  });
});
