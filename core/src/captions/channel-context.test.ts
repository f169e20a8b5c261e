import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildChannelContext } from './channel-context.js';
import { parseCaption } from './parse-caption.js';
import type { ChannelContext } from './channel-context.js';

const DATA = JSON.parse(readFileSync(new URL('./testdata/characters.json', import.meta.url), 'utf8')) as {
  series: Record<string, string[]>;
};
const PAIRS: Array<{ name: string; anime: string }> = Object.entries(DATA.series).flatMap(([anime, names]) =>
  names.map((name) => ({ name, anime })),
);

/** A channel-sized group: n posts drawn from the real pairs with a fixed LCG, so every run is the same. */
function channel(n: number, shape: (p: { name: string; anime: string }, i: number) => string) {
  let x = 12345;
  const posts: Array<{ caption: string; name: string; anime: string }> = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const p = PAIRS[x % PAIRS.length]!;
    posts.push({ caption: shape(p, i), ...p });
  }
  return posts;
}

function accuracy(posts: ReturnType<typeof channel>, ctx: ChannelContext | null): number {
  const right = posts.filter((p) => {
    const r = parseCaption(p.caption, null, { channel: ctx });
    return r.name?.toLowerCase() === p.name.toLowerCase() && r.anime === p.anime;
  }).length;
  return right / posts.length;
}

describe('channel context: which side of a free-form caption is the series', () => {
  // 200 "Series - Name" posts, a few written the other way round (an uploader's slip).
  const seriesFirst = channel(200, (p, i) => (i % 37 === 5 ? `${p.name} - ${p.anime}` : `${p.anime} - ${p.name}`));

  it('settles "Series - Name" from the channel and parses every post of it', () => {
    const ctx = buildChannelContext(seriesFirst.map((p) => p.caption));
    expect(ctx.order).toBe('series_first');
    expect(ctx.certainty).toBeGreaterThanOrEqual(0.5);
    const withCtx = accuracy(seriesFirst, ctx);
    const alone = accuracy(seriesFirst, null);
    console.log(
      `[captions] series-first channel of 200: ${(withCtx * 100).toFixed(1)}% with context, ${(alone * 100).toFixed(1)}% alone`,
    );
    expect(withCtx).toBeGreaterThanOrEqual(0.99);
    expect(withCtx).toBeGreaterThan(alone);
  });

  it('keeps the reversed slips right inside a series-first channel', () => {
    const ctx = buildChannelContext(seriesFirst.map((p) => p.caption));
    for (const p of seriesFirst.filter((_, i) => i % 37 === 5)) {
      const r = parseCaption(p.caption, null, { channel: ctx });
      expect([r.name, r.anime], p.caption).toEqual([p.name, p.anime]);
    }
  });

  it('keeps "Name - Series" in a name-first channel, even with name-like titles', () => {
    const nameFirst = channel(200, (p) => `${p.name} - ${p.anime}`);
    const ctx = buildChannelContext(nameFirst.map((p) => p.caption));
    expect(ctx.order).toBe('name_first');
    expect(accuracy(nameFirst, ctx)).toBeGreaterThanOrEqual(0.99);
  });

  it('settles two bare lines with the series first ("Hyouka\\nEru Chitanda")', () => {
    const twoLines = channel(120, (p) => `${p.anime}\n${p.name}`);
    const ctx = buildChannelContext(twoLines.map((p) => p.caption));
    expect(ctx.order).toBe('series_first');
    expect(accuracy(twoLines, ctx)).toBeGreaterThanOrEqual(0.99);
    // With the channel settled, the posts no longer need a review.
    expect(parseCaption(twoLines[0]!.caption, null, { channel: ctx }).needsReview).toBe(false);
  });

  it('gives no channel order on thin evidence and flags the undecidable caption', () => {
    const ctx = buildChannelContext(['Hyouka - Eru Chitanda', 'Dorohedoro - Nikaido', 'Toradora - Taiga Aisaka']);
    expect(ctx.order).toBeNull();
    const r = parseCaption('Hyouka - Eru Chitanda', null, { channel: ctx });
    expect(r.needsReview).toBe(true);
  });

  it('uses the gallery titles it is given', () => {
    const ctx = buildChannelContext([], { knownAnime: ['Dorohedoro'] });
    const r = parseCaption('Dorohedoro - Nikaido', null, { channel: ctx });
    expect([r.name, r.anime]).toEqual(['Nikaido', 'Dorohedoro']);
  });

  it('without any context decides by name-likeness', () => {
    expect(parseCaption('Attack on Titan - Eren Yeager')).toMatchObject({
      name: 'Eren Yeager',
      anime: 'Attack on Titan',
    });
    expect(parseCaption('Rent-a-Girlfriend - Chizuru Mizuhara')).toMatchObject({
      name: 'Chizuru Mizuhara',
      anime: 'Rent-a-Girlfriend',
    });
    expect(parseCaption('Levi Ackerman - Attack on Titan')).toMatchObject({
      name: 'Levi Ackerman',
      anime: 'Attack on Titan',
    });
    expect(parseCaption('Kaguya Shinomiya - Kaguya-sama: Love is War')).toMatchObject({ name: 'Kaguya Shinomiya' });
  });
});

describe('posts that are not characters, inside a channel', () => {
  it('gives no name and no anime for legends, announcements and event messages', () => {
    const others = [
      'Rarity Map: 1 - ⚪ Common / 2 - 🟣 Rare / 3 - 🟡 Legendary / 4 - 💮 Special Edition',
      'Rarity Map:\n1 - ⚪ Common\n2 - 🟣 Rare\n3 - 🟡 Legendary',
      '📢 Maintenance tonight, new characters tomorrow!',
      '❌ Character not found.',
      '🌸🌸🌸',
      '✨ ᴀ ɴᴇᴡ 🎐 ᴄᴇʟᴇꜱᴛɪᴀʟ ᴄʜᴀʀᴀᴄᴛᴇʀ ᴀᴘᴘᴇᴀʀᴇᴅ! ɢᴜᴇꜱꜱ ɪᴛꜱ ɴᴀᴍᴇ ᴡɪᴛʜ /ɢᴜᴇꜱꜱ',
    ];
    for (const c of others) {
      const r = parseCaption(c);
      expect([r.name, r.anime, r.kind === 'character'], c).toEqual([null, null, false]);
    }
    expect(parseCaption(others[5]!)).toMatchObject({ kind: 'event', rarity: 'Celestial', rarityEmoji: '🎐' });
  });
});
