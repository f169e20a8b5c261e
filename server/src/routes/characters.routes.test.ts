import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureLocalChannel, upsertChannelByPeer } from '@waifudex/core/repos/channels.repo';
import { startTestServer, type TestServer } from '../testing/test-server.js';

let s: TestServer;
let chan: { a: string; b: string };
const get = async (p: string) => (await fetch(`${s.url}${p}`)).json();
const names = async (q: string, extra = '') =>
  (await get(`/api/v1/characters?q=${encodeURIComponent(q)}${extra}`)).items.map((c: { name: string }) => c.name);

const SEEDS: Array<[name: string, anime: string, emoji: string, rarity: string, id: string, channel: 'a' | 'b']> = [
  ['Necrozma', 'Pokémon', '🟡', 'Legendary', '1089', 'a'],
  ['Blacephalon', 'Pokémon', '🟣', 'Rare', '0042', 'a'],
  ['Hu Tao', 'Genshin Impact', '🟡', 'Legendary', '7', 'b'],
  ['Raiden Shogun', 'Genshin Impact', '🟣', 'Rare', '108', 'b'],
  ['Nico Robin', 'One Piece', '⚪', 'Common', '2001', 'a'],
  ['Nico Olvia', 'One Piece', '⚪', 'Common', '2002', 'b'],
];

beforeAll(async () => {
  s = await startTestServer();
  const a = await upsertChannelByPeer(s.db, { peerId: '1001', title: 'Waifu Spawns', username: 'WaifuSpawns' });
  const b = await ensureLocalChannel(s.db, 'Genshin Drops');
  chan = { a: a.id, b: b.id };
  for (const [i, [name, anime, emoji, rarity, id, ch]] of SEEDS.entries()) {
    await s.ingest.ingestImage({
      bytes: await generateDemoImage(70 + i, name),
      caption: `🌸 Name: ${name}\n📺 Anime: ${anime}\n${emoji} Rarity: ${rarity}\n🆔 ID: ${id}`,
      channel: ch === 'a' ? a : b,
      messageId: i + 1,
    });
  }
});
afterAll(async () => s?.close());

describe('gallery search finds what people type', () => {
  it('typos in longer names, names without their space, rarity words, bot ids and emoji', async () => {
    expect(await names('necrosma')).toEqual(['Necrozma']);
    expect(await names('blacefalon')).toEqual(['Blacephalon']);
    expect(await names('hutao')).toEqual(['Hu Tao']);
    expect(await names('raidenshogun')).toEqual(['Raiden Shogun']);
    expect((await names('legendary')).sort()).toEqual(['Hu Tao', 'Necrozma']);
    expect((await names('RARE')).sort()).toEqual(['Blacephalon', 'Raiden Shogun']);
    expect(await names('1089')).toEqual(['Necrozma']);
    expect(await names('#42')).toEqual(['Blacephalon']);
    expect(await names('legendary genshin')).toEqual(['Hu Tao']);
    expect((await names('🟡')).sort()).toEqual(['Hu Tao', 'Necrozma']);
  });

  it('stays strict where a guess would be noise', async () => {
    expect(await names('zzzzqq')).toEqual([]);
    expect(await names('108')).toEqual(['Raiden Shogun']); // not 1089
    expect(await names('tao')).toEqual(['Hu Tao']);
    expect(await names('100%_')).toEqual([]);
  });

  it('offers "did you mean" when nothing matches', async () => {
    const miss = await get('/api/v1/characters?q=hootao');
    expect(miss.total).toBe(0);
    expect(miss.suggestion).toBe('Hu Tao');
    expect(await names('raidon shogan')).toEqual(['Raiden Shogun']);
    expect((await get('/api/v1/characters?q=qqxxzz')).suggestion).toBeNull();
    expect((await get('/api/v1/characters?q=rem')).suggestion).toBeNull();
    expect((await get('/api/v1/characters?q=necrozma')).suggestion).toBeNull();
  });

  it('filters by anime, rarity and channel, sorts, and counts each facet', async () => {
    expect(await names('', '&anime=Pok%C3%A9mon&sort=name')).toEqual(['Blacephalon', 'Necrozma']);
    expect(await names('', '&rarity=Common&sort=name')).toEqual(['Nico Olvia', 'Nico Robin']);
    expect(await names('', `&channel=${chan.b}&sort=name`)).toEqual(['Hu Tao', 'Nico Olvia', 'Raiden Shogun']);
    expect((await names('', '&sort=anime')).slice(0, 2)).toEqual(['Hu Tao', 'Raiden Shogun']);
    expect((await names('', '&sort=newest'))[0]).toBe('Nico Olvia');
    const f = await get('/api/v1/characters/facets?rarity=Legendary');
    expect(f.anime).toEqual([
      { value: 'Genshin Impact', label: 'Genshin Impact', count: 1 },
      { value: 'Pokémon', label: 'Pokémon', count: 1 },
    ]);
    expect(f.rarity[0]).toEqual({ value: 'Common', label: '⚪ Common', count: 2 }); // its own filter is ignored
    expect(f.rarity).toHaveLength(3);
    expect(f.channel.map((c: { label: string; count: number }) => [c.label, c.count]).sort()).toEqual([
      ['Genshin Drops', 1],
      ['Waifu Spawns', 1],
    ]);
    for (const bad of ['sort=random', 'channel=abc', 'anime=']) {
      const res = await fetch(`${s.url}/api/v1/characters?${bad}`);
      expect(res.status).toBe(400);
    }
  });

  it('autocompletes names and anime titles with counts', async () => {
    const a = await get('/api/v1/characters/suggest?q=ni');
    expect(a.names.map((n: { value: string }) => n.value).sort()).toEqual(['Nico Olvia', 'Nico Robin']);
    const g = await get('/api/v1/characters/suggest?q=gensh');
    expect(g.anime).toEqual([{ value: 'Genshin Impact', count: 2 }]);
    expect(await get('/api/v1/characters/suggest?q=h')).toEqual({ names: [], anime: [] });
    expect((await get('/api/v1/characters/suggest?q=hutao')).names).toEqual([{ value: 'Hu Tao', count: 1 }]);
  });
});

describe('source posts', () => {
  it('links artworks of public channels to their t.me post, and nothing for private ones', async () => {
    const list = await get('/api/v1/characters?per_page=50');
    const id = (n: string) => list.items.find((c: { name: string }) => c.name === n).id;
    expect((await get(`/api/v1/characters/${id('Necrozma')}/posts`)).items).toEqual([
      {
        artwork_id: list.items.find((c: { name: string }) => c.name === 'Necrozma').artwork.id,
        url: 'https://t.me/WaifuSpawns/1',
        channel: 'WaifuSpawns',
      },
    ]);
    expect((await get(`/api/v1/characters/${id('Hu Tao')}/posts`)).items).toEqual([]);
    expect((await fetch(`${s.url}/api/v1/characters/x1/posts`)).status).toBe(400);
  });
});
