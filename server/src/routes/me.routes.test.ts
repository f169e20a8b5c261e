/** Likes with counts and "most liked", marking caught, the harem paste, completion, the missing filter, export/import. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { addCharacter, signUp, type Client } from '../testing/visitor-client.js';

let s: TestServer;
let alice: Client;
let bob: Client;
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer({ app: { registration: 'open', signupsPerHour: 1000 } });
  const [bot1, bot2] = (
    await s.db.query(
      `INSERT INTO channels (username, title) VALUES ('waifu_db', 'Waifu DB'), ('other_db', 'Other') RETURNING id`,
    )
  ).rows.map((r) => r.id);
  const add = async (key: string, c: Parameters<typeof addCharacter>[1]) => (ids[key] = await addCharacter(s.db, c));
  await add('naruto', {
    name: 'Naruto Uzumaki',
    anime: 'Naruto',
    rarity: 'Legendary',
    rarityEmoji: '🟡',
    sourceId: '07',
    channelId: bot1,
  });
  await add('sakura', {
    name: 'Sakura Haruno',
    anime: 'Naruto',
    rarity: 'Rare',
    rarityEmoji: '🟣',
    sourceId: '123',
    channelId: bot1,
  });
  await add('hinata', {
    name: 'Hinata Hyuga',
    anime: 'Naruto',
    rarity: 'Rare',
    rarityEmoji: '🟣',
    sourceId: '124',
    channelId: bot1,
  });
  await add('hutao', {
    name: 'Hu Tao',
    anime: 'Genshin Impact',
    rarity: 'Legendary',
    rarityEmoji: '🟡',
    sourceId: '2001',
    channelId: bot1,
  });
  await add('raiden', {
    name: 'Raiden Shogun',
    anime: 'Genshin Impact',
    rarity: 'Legendary',
    rarityEmoji: '🟡',
    sourceId: '2002',
    channelId: bot1,
  });
  // the same card id in another bot's channel, another character
  await add('other7', {
    name: 'Levi Ackerman',
    anime: 'Attack on Titan',
    rarity: 'Rare',
    rarityEmoji: '🟣',
    sourceId: '7',
    channelId: bot2,
  });
  // two characters of the same name in two channels
  await add('robin1', { name: 'Nico Robin', anime: 'One Piece', sourceId: '50', channelId: bot1 });
  await add('robin2', { name: 'Nico Robin', anime: 'One Piece', sourceId: '990', channelId: bot2 });
  alice = await signUp(s.url, 'alice');
  bob = await signUp(s.url, 'bob');
});
afterAll(() => s?.close());

const gallery = (c: Client | null, q: string) =>
  c ? c.json('GET', `/api/v1/characters?${q}`) : fetch(`${s.url}/api/v1/characters?${q}`).then((r) => r.json());

describe('likes', () => {
  it('counts on cards, most liked first, idempotent', async () => {
    expect(await alice.json('PUT', `/api/v1/me/likes/${ids.hutao}`)).toEqual({ liked: true, likes: 1 });
    expect(await alice.json('PUT', `/api/v1/me/likes/${ids.hutao}`)).toEqual({ liked: true, likes: 1 });
    expect(await bob.json('PUT', `/api/v1/me/likes/${ids.hutao}`)).toEqual({ liked: true, likes: 2 });
    expect(await bob.json('PUT', `/api/v1/me/likes/${ids.sakura}`)).toEqual({ liked: true, likes: 1 });
    const page = await gallery(null, 'sort=liked&per_page=3');
    expect(page.sort).toBe('liked');
    expect(page.items.map((i: any) => [i.name, i.likes])).toEqual([
      ['Hu Tao', 2],
      ['Sakura Haruno', 1],
      [expect.any(String), 0],
    ]);
    expect(await bob.json('DELETE', `/api/v1/me/likes/${ids.sakura}`)).toEqual({ liked: false, likes: 0 });
    expect((await alice.json('GET', '/api/v1/me/marks')).liked).toEqual([ids.hutao]);
    expect((await alice.call('PUT', '/api/v1/me/likes/999999')).status).toBe(404);
    expect((await alice.call('PUT', '/api/v1/me/likes/abc')).status).toBe(400);
    expect((await fetch(`${s.url}/api/v1/me/likes/${ids.hutao}`, { method: 'PUT' })).status).toBe(401);
  });

  it('concurrent likes of many visitors add up exactly', async () => {
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(s.url, `fan${i}`)));
    await Promise.all(crowd.map((c) => c.json('PUT', `/api/v1/me/likes/${ids.raiden}`)));
    await Promise.all(crowd.slice(0, 3).map((c) => c.json('DELETE', `/api/v1/me/likes/${ids.raiden}`)));
    const top = await gallery(null, 'sort=liked&per_page=1');
    expect(top.items[0]).toMatchObject({ name: 'Raiden Shogun', likes: 5 });
  });
});

describe('my collection', () => {
  it('marks and unmarks one character; the missing filter and completion follow', async () => {
    expect(await alice.json('PUT', `/api/v1/me/collection/${ids.naruto}`)).toEqual({ caught: true });
    expect(await alice.json('PUT', `/api/v1/me/collection/${ids.hutao}`)).toEqual({ caught: true });
    const c = await alice.json('GET', '/api/v1/me/collection/completion');
    expect(c).toMatchObject({ caught: 2, total: 8 });
    expect(c.anime).toContainEqual({ value: 'Naruto', label: 'Naruto', caught: 1, total: 3 });
    expect(c.anime).toContainEqual({ value: 'Genshin Impact', label: 'Genshin Impact', caught: 1, total: 2 });
    expect(c.rarity).toContainEqual({ value: 'Legendary', label: '🟡 Legendary', caught: 2, total: 3 });

    const missing = await gallery(alice, 'mine=missing&anime=Naruto');
    expect(missing.items.map((i: any) => i.name).sort()).toEqual(['Hinata Hyuga', 'Sakura Haruno']);
    expect((await gallery(alice, 'mine=caught')).total).toBe(2);
    expect((await alice.json('GET', '/api/v1/characters/facets?mine=missing')).anime).toContainEqual({
      value: 'Genshin Impact',
      label: 'Genshin Impact',
      count: 1,
    });
    expect((await fetch(`${s.url}/api/v1/characters?mine=missing`)).status).toBe(401);
    expect((await gallery(bob, 'mine=caught')).total).toBe(0);

    expect(await alice.json('DELETE', `/api/v1/me/collection/${ids.naruto}`)).toEqual({ caught: false });
    expect((await alice.json('GET', '/api/v1/me/collection/completion')).caught).toBe(1);
    await s.db.query('UPDATE characters SET hidden = true WHERE id = $1', [ids.raiden]);
    expect((await alice.json('GET', '/api/v1/me/collection/completion')).total).toBe(7);
    expect((await alice.call('PUT', `/api/v1/me/collection/${ids.raiden}`)).status).toBe(404);
    await s.db.query('UPDATE characters SET hidden = false WHERE id = $1', [ids.raiden]);
  });

  it("previews a pasted harem: ids checked against names, other bots' ids and unknown lines are listed", async () => {
    const text = [
      "Alice's Harem - Page 1/1",
      '',
      '⌬ Naruto 〔3/50〕',
      '◈⌠🟡⌡ 07 Naruto Uzumaki ×1',
      '◈⌠🟣⌡ 123 Sakura Haruno ×3',
      '◈⌠🟣⌡ 124 Somebody Else ×1',
      '⌬ Genshin Impact 〔2/88〕',
      '◈⌠🟡⌡ 2001 Hu Tao ×2',
      '◈⌠🟡⌡ 5555 Unknown Person ×1',
      '⌬ One Piece 〔1/40〕',
      '◈⌠🟡⌡ 77 Nico Robin ×1',
    ].join('\n');
    const p = await alice.json('POST', '/api/v1/me/collection/harem/preview', { text });
    expect(p.family).toBe('bracket');
    expect(p.recognised.map((r: any) => [r.character.name, r.character.id, r.caught, r.count])).toEqual([
      ['Naruto Uzumaki', ids.naruto, false, 1],
      ['Sakura Haruno', ids.sakura, false, 3],
      ['Hu Tao', ids.hutao, true, 2],
    ]);
    expect(p.unrecognised).toEqual([
      { line: '◈⌠🟣⌡ 124 Somebody Else ×1', reason: 'id_name_mismatch' },
      { line: '◈⌠🟡⌡ 5555 Unknown Person ×1', reason: 'no_match' },
      { line: '◈⌠🟡⌡ 77 Nico Robin ×1', reason: 'ambiguous' },
    ]);
    const marked = await alice.json('POST', '/api/v1/me/collection', {
      character_ids: p.recognised.map((r: any) => r.character.id),
    });
    expect(marked).toEqual({ added: 2, missing: [] });
    expect((await alice.json('GET', '/api/v1/me/collection/completion')).caught).toBe(3);
    expect((await alice.call('POST', '/api/v1/me/collection/harem/preview', { text: '' })).status).toBe(400);
    expect((await alice.call('POST', '/api/v1/me/collection', { character_ids: ['0'] })).status).toBe(400);
    expect(await alice.json('POST', '/api/v1/me/collection', { character_ids: ['999999'] })).toEqual({
      added: 0,
      missing: ['999999'],
    });
  });

  it('a plain harem of the card-id family picks the card of the right bot by name', async () => {
    const p = await bob.json('POST', '/api/v1/me/collection/harem/preview', {
      text: "Bob's Harem - Page 1/1\n\nAttack on Titan 1/20\n7 Levi Ackerman ×1\nNaruto 1/3\n07 Naruto Uzumaki ×2",
    });
    expect(p.family).toBe('plain');
    expect(p.recognised.map((r: any) => r.character.id)).toEqual([ids.other7, ids.naruto]);
  });

  it('exports JSON and CSV and imports them into another account (idempotent); bad files are a 400', async () => {
    const json = await alice.call('GET', '/api/v1/me/collection/export?format=json');
    expect(json.headers.get('content-disposition')).toMatch(/attachment; filename="waifudex-collection-alice\.json"/);
    const exported = await json.json();
    expect(exported.items.map((i: any) => i.name).sort()).toEqual(['Hu Tao', 'Naruto Uzumaki', 'Sakura Haruno']);
    const csv = await (await alice.call('GET', '/api/v1/me/collection/export?format=csv')).text();
    expect(csv.split('\r\n')[0]).toBe('character_id,name,anime,rarity,source_id,channel,caught_at');
    expect(csv).toContain(`${ids.naruto},Naruto Uzumaki,Naruto,Legendary,07,waifu_db,`);

    const carol = await signUp(s.url, 'carol');
    expect(await carol.json('POST', '/api/v1/me/collection/import', { format: 'csv', data: csv })).toEqual({
      added: 3,
      already: 0,
      unknown: [],
    });
    expect(
      await carol.json('POST', '/api/v1/me/collection/import', { format: 'json', data: JSON.stringify(exported) }),
    ).toEqual({ added: 0, already: 3, unknown: [] });
    // another gallery's export: ids differ, names and card ids match
    const foreign = 'name,anime,source_id\nHinata Hyuga,Naruto,124\nNobody,Nowhere,1\n';
    expect(await carol.json('POST', '/api/v1/me/collection/import', { format: 'csv', data: foreign })).toEqual({
      added: 1,
      already: 0,
      unknown: ['Nobody · Nowhere'],
    });
    expect((await carol.json('GET', '/api/v1/me/collection/completion')).caught).toBe(4);
    for (const bad of [
      { format: 'json', data: '{' },
      { format: 'json', data: '[1,2]' },
      { format: 'csv', data: 'a,b\n1,2' },
      { format: 'xml', data: 'x' },
    ]) {
      expect((await carol.call('POST', '/api/v1/me/collection/import', bad)).status).toBe(400);
    }
    expect((await carol.json('GET', '/api/v1/me/collection/completion')).caught).toBe(4);
  });
});
