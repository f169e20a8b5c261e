import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './database.js';
import { migrate } from './migrate.js';
import { createTestDb, testLogger } from '../testing/test-db.js';

const MIGRATION = '1768720000000_character-grouping';

/** Everything the migration touches, as the pre-grouping schema has it (for a before/after comparison). */
async function snapshot(db: Db) {
  const characters = await db.query(
    `SELECT id::text, channel_id::text, name, anime, rarity, source_id, raw_caption, hidden, needs_review, edited_fields FROM characters ORDER BY id`,
  );
  const artworks = await db.query(
    'SELECT id::text, character_id::text, is_current, hidden, channel_id::text, message_id::text FROM artworks ORDER BY id',
  );
  const changes = await db.query('SELECT id::text, character_id::text, kind FROM character_changes ORDER BY id');
  return { characters: characters.rows, artworks: artworks.rows, changes: changes.rows };
}

describe('migration: one character, many artworks', () => {
  let db: Db;
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    db = await createTestDb();
    // back to just before the grouping migration, however many came after it
    const ran = await db.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY run_on DESC, id DESC');
    await migrate(db, testLogger, 'down', ran.rows.findIndex((r) => r.name === MIGRATION) + 1);
    // the old shape: one character per post, a card reposted within a channel grouped by its id
    await db.query(`INSERT INTO channels (id, title) VALUES (1, 'Spawns A'), (2, 'Spawns B')`);
    const chars: Array<
      [
        id: number,
        ch: number,
        name: string | null,
        anime: string | null,
        rarity: string | null,
        src: string | null,
        hidden: boolean,
      ]
    > = [
      [1, 1, 'Raiden Shogun', 'Genshin Impact', 'Legendary', '108', false],
      [2, 2, 'Raiden Shogun', 'Genshin Impact', 'Rare', '9', false],
      [3, 2, 'raiden  shogun', 'Genshin Impact', null, '10', true],
      [4, 1, 'Hu Tao', 'Genshin Impact', 'Legendary', '7', false],
      [5, 1, null, null, null, null, false],
      [6, 2, null, null, null, null, false],
    ];
    for (const [id, ch, name, anime, rarity, src, hidden] of chars) {
      const norm = (s: string | null) => (s ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
      await db.query(
        `INSERT INTO characters (id, channel_id, name, anime, rarity, source_id, raw_caption, name_search, anime_search, hidden, edited_fields, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          id,
          ch,
          name,
          anime,
          rarity,
          src,
          `caption ${id}`,
          norm(name),
          norm(anime),
          hidden,
          id === 2 ? ['rarity'] : [],
          new Date(Date.UTC(2026, 0, id)),
        ],
      );
    }
    // artworks: character 1 has a repost (two artworks), the others one each
    const arts: Array<[id: number, ch: number, current: boolean, day: number]> = [
      [1, 1, false, 1],
      [1, 1, true, 2],
      [2, 2, true, 3],
      [3, 2, true, 4],
      [4, 1, true, 5],
      [5, 1, true, 6],
      [6, 2, true, 7],
    ];
    for (const [i, [c, ch, current, d]] of arts.entries()) {
      await db.query(
        `INSERT INTO artworks (id, character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime, channel_id, message_id, is_current, created_at)
         VALUES ($1, $2, $3, $4, $5, B'0'::bit(64), 1, 1, 1, 'image/png', $6, $1, $7, $8)`,
        [i + 1, c, `f/${i}`, `t/${i}`, `sha${i}`, ch, current, new Date(Date.UTC(2026, 1, d))],
      );
    }
    await db.query(
      `INSERT INTO character_changes (character_id, kind) VALUES (2, 'caption_edit'), (3, 'deleted'), (1, 'repost')`,
    );
    before = await snapshot(db);
    await migrate(db, testLogger, 'up');
  });
  afterAll(async () => db?.close());

  it('groups the rows by normalised (name, anime) and moves what is specific to a post onto its artwork', async () => {
    const chars = await db.query(
      'SELECT id::text, name, rarity, group_key IS NOT NULL AS keyed FROM characters ORDER BY id',
    );
    // the Raiden whose current artwork is newest among the visible ones keeps its id (2); 1 and hidden 3 join it
    expect(chars.rows).toEqual([
      { id: '2', name: 'Raiden Shogun', rarity: 'Rare', keyed: true },
      { id: '4', name: 'Hu Tao', rarity: 'Legendary', keyed: true },
      { id: '5', name: null, rarity: null, keyed: false },
      { id: '6', name: null, rarity: null, keyed: false },
    ]);
    const arts = await db.query(
      'SELECT id::text, character_id::text, is_current, hidden, source_id, rarity, raw_caption FROM artworks WHERE id <= 4 ORDER BY id',
    );
    expect(arts.rows).toEqual([
      {
        id: '1',
        character_id: '2',
        is_current: false,
        hidden: false,
        source_id: '108',
        rarity: 'Legendary',
        raw_caption: 'caption 1',
      },
      {
        id: '2',
        character_id: '2',
        is_current: false,
        hidden: false,
        source_id: '108',
        rarity: 'Legendary',
        raw_caption: 'caption 1',
      },
      {
        id: '3',
        character_id: '2',
        is_current: true,
        hidden: false,
        source_id: '9',
        rarity: 'Rare',
        raw_caption: 'caption 2',
      },
      // the hidden character's artwork stays out of sight
      {
        id: '4',
        character_id: '2',
        is_current: false,
        hidden: true,
        source_id: '10',
        rarity: null,
        raw_caption: 'caption 3',
      },
    ]);
    const changes = await db.query('SELECT character_id::text, kind FROM character_changes ORDER BY id');
    expect(changes.rows.map((r) => r.character_id)).toEqual(['2', '2', '2']);
  });

  it('the down migration restores every character, artwork and change as it was', async () => {
    await migrate(
      db,
      testLogger,
      'down',
      1 +
        (
          await db.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY run_on DESC, id DESC')
        ).rows.findIndex((r) => r.name === MIGRATION),
    );
    expect(await snapshot(db)).toEqual(before);
    const cols = await db.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'artworks' AND column_name = 'raw_caption'`,
    );
    expect(cols.rows).toEqual([]);
    await migrate(db, testLogger, 'up'); // and up again, for the tables of later migrations
  });
});
