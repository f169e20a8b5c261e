import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import { ensureLocalChannel } from '../repos/channels.repo.js';
import { findCharacterById, insertCharacter } from '../repos/characters.repo.js';
import { insertCurrentArtwork } from '../repos/artworks.repo.js';
import { normalizeForSearch, parseCaption } from '../captions/parse-caption.js';
import { captionUpdate } from './ingest.service.js';
import { reparseCaptions } from './reparse.service.js';
import { proposeChannelTemplates } from './template-induction.service.js';

// A channel that writes "Series - Name", with titles a single caption cannot tell from a name.
const POSTS: Array<[string, string]> = [
  ['Hyouka', 'Eru Chitanda'],
  ['Hyouka', 'Houtarou Oreki'],
  ['Hyouka', 'Mayaka Ibara'],
  ['Hyouka', 'Satoshi Fukube'],
  ['Dorohedoro', 'Nikaido'],
  ['Dorohedoro', 'Kaiman'],
  ['Dorohedoro', 'Ebisu'],
  ['Dorohedoro', 'Noi'],
  ['Nagatoro', 'Hayase Nagatoro'],
  ['Nagatoro', 'Naoto Hachiouji'],
  ['Yuru Camp', 'Rin Shima'],
  ['Yuru Camp', 'Nadeshiko Kagamihara'],
  ['Yuru Camp', 'Chiaki Ohgaki'],
  ['Beastars', 'Legoshi'],
  ['Beastars', 'Haru'],
  ['Beastars', 'Louis'],
];

let db: Db;
let channelId: string;
const ids: string[] = [];

/** A stored post: its character and its artwork, both with the caption as parsed then. */
async function storePost(caption: string): Promise<string> {
  const p = parseCaption(caption); // as stored before the channel statistics existed
  const fields = captionUpdate(caption, p);
  const characterId = await insertCharacter(db, {
    ...fields,
    channelId,
    nameSearch: normalizeForSearch(p.name ?? ''),
    animeSearch: normalizeForSearch(p.anime ?? ''),
  });
  const n = ids.length;
  await insertCurrentArtwork(db, {
    ...fields,
    characterId,
    filePath: `f/${n}`,
    thumbPath: `t/${n}`,
    sha256: `sha${n}`,
    phash: '0'.repeat(64),
    width: 1,
    height: 1,
    bytes: 1,
    mime: 'image/png',
    channelId,
    messageId: n + 1,
    groupedId: null,
    telegramPhotoId: null,
    thumbWidths: [],
  });
  return characterId;
}

beforeAll(async () => {
  db = await createTestDb();
  channelId = (await ensureLocalChannel(db, 'series first')).id;
  for (const [anime, name] of POSTS) ids.push(await storePost(`${anime} - ${name}`));
  ids.push(await storePost('Rarity Map:\n1 - ⚪ Common\n2 - 🟣 Rare\n3 - 🟡 Legendary'));
});
afterAll(async () => db?.close());

describe('template induction service', () => {
  it('proposes "{anime} - {name}" with its coverage from the stored captions', async () => {
    const res = await proposeChannelTemplates(db, channelId);
    expect(res).toMatchObject({ total: POSTS.length + 1, order: 'series_first', freeformPosts: POSTS.length });
    expect(res.proposals[0]).toMatchObject({ template: '{anime} - {name}', parsed: POSTS.length });
    expect(res.proposals[0]!.coverage).toBeCloseTo(POSTS.length / (POSTS.length + 1), 3);
  });

  it('re-parse uses the channel statistics for past posts', async () => {
    const res = await reparseCaptions(db, { channelId });
    expect(res.scanned).toBe(POSTS.length + 1);
    for (const [i, [anime, name]] of POSTS.entries()) {
      const c = await findCharacterById(db, ids[i]!);
      expect([c?.name, c?.anime], `${anime} - ${name}`).toEqual([name, anime]);
    }
  });

  it('answers an unknown channel with nothing to propose', async () => {
    expect(await proposeChannelTemplates(db, '999999')).toMatchObject({ total: 0, order: null, proposals: [] });
  });
});
