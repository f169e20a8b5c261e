import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NEEDS_REVIEW_THRESHOLD, normalizeForSearch, parseCaption } from './parse-caption.js';
import { benchCaptions } from './bench-captions.js';
import { compileTemplate } from './template.js';

// ---------------------------------------------------------------------------------------------
// Corpus: ../shared/captions/cases.jsonl, read in place (FORMATS.md §4 comparison conventions).
// ---------------------------------------------------------------------------------------------
const CASES_PATH = fileURLToPath(new URL('../../../../shared/captions/cases.jsonl', import.meta.url));
const haveCases = existsSync(CASES_PATH);
if (!haveCases) console.warn(`[captions] SKIPPING corpus test: ${CASES_PATH} not found`);

interface Case {
  caption: string;
  expected: { name: string | null; anime: string | null; rarity: string | null; source_id: string | null };
  family: string;
  note: string;
  repr: string;
}

/**
 * Cases allowed to fail (at most 3, each marked AMBIGUOUS in its note).
 * - "One Piece\nNico Robin": two bare lines in reversed order. Only world knowledge says which
 *   line is the series; the known-titles prior (name-likeness.ts) now settles it, but it stays
 *   allowed and flagged (confidence 0.45, below NEEDS_REVIEW_THRESHOLD) because a single caption
 *   cannot prove it ("flag low confidence rather than assume").
 */
const ALLOWED_AMBIGUOUS = new Set<string>(['One Piece\nNico Robin']);

const lower = (s: string | null): string | null => (s === null ? null : s.toLowerCase());
type FieldName = 'name' | 'anime' | 'rarity' | 'source_id';
const FIELDS: FieldName[] = ['name', 'anime', 'rarity', 'source_id'];

function compare(c: Case): FieldName[] {
  const r = parseCaption(c.caption);
  const got: Record<FieldName, string | null> = {
    name: r.name,
    anime: r.anime,
    rarity: r.rarity,
    source_id: r.sourceId,
  };
  return FIELDS.filter((f) => {
    const e = c.expected[f];
    const g = got[f];
    // §4: names and rarity case-insensitive; anime literal; ids literal (leading zeros kept).
    if (f === 'name' || f === 'rarity') return lower(g) !== lower(e);
    return g !== e;
  });
}

describe.skipIf(!haveCases)('caption corpus (cases.jsonl)', () => {
  const cases: Case[] = haveCases
    ? readFileSync(CASES_PATH, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Case)
    : [];

  it('parses every case except the listed AMBIGUOUS ones', () => {
    const fieldOk: Record<FieldName, number> = { name: 0, anime: 0, rarity: 0, source_id: 0 };
    const familyFail = new Map<string, string[]>();
    const unexpected: string[] = [];
    for (const c of cases) {
      const bad = compare(c);
      for (const f of FIELDS) if (!bad.includes(f)) fieldOk[f]++;
      if (!bad.length) continue;
      const r = parseCaption(c.caption);
      const msg = `${JSON.stringify(c.caption).slice(0, 70)} → ${bad.map((f) => `${f}=${JSON.stringify(f === 'source_id' ? r.sourceId : r[f])} (want ${JSON.stringify(c.expected[f])})`).join(', ')}`;
      familyFail.set(c.family, [...(familyFail.get(c.family) ?? []), msg]);
      if (!ALLOWED_AMBIGUOUS.has(c.caption)) unexpected.push(`[${c.family}] ${msg}`);
    }
    const n = cases.length;
    console.log(
      `[captions] ${n} cases; per-field accuracy: ` +
        FIELDS.map((f) => `${f} ${((100 * fieldOk[f]) / n).toFixed(1)}%`).join(', '),
    );
    for (const [fam, msgs] of familyFail)
      console.log(`[captions] ${fam}: ${msgs.length} failing\n  ${msgs.join('\n  ')}`);
    expect(ALLOWED_AMBIGUOUS.size).toBeLessThanOrEqual(3);
    for (const a of ALLOWED_AMBIGUOUS) {
      expect(
        cases.find((c) => c.caption === a)?.note ?? 'AMBIGUOUS',
        'allowed failures must be AMBIGUOUS cases',
      ).toContain('AMBIGUOUS');
    }
    expect(unexpected).toEqual([]);
  });

  it('flags the allowed AMBIGUOUS failures for review', () => {
    for (const a of ALLOWED_AMBIGUOUS) expect(parseCaption(a).needsReview).toBe(true);
  });

  it('gives confident results on the labelled bot families', () => {
    const strong = cases.filter((c) =>
      ['shekhar_labeled', 'grabber_id_colon', 'owo_check_out', 'emoji_labeled'].includes(c.family),
    );
    for (const c of strong)
      expect(parseCaption(c.caption).confidence, c.caption).toBeGreaterThanOrEqual(NEEDS_REVIEW_THRESHOLD);
  });
});

// ---------------------------------------------------------------------------------------------
// Generalisation: captions invented from FORMATS.md's descriptions, not copied from the corpus.
// ---------------------------------------------------------------------------------------------
function fields(text: string, opts?: Parameters<typeof parseCaption>[2]) {
  const r = parseCaption(text, null, opts);
  return { name: r.name, anime: r.anime, rarity: r.rarity, id: r.sourceId };
}

describe('labelled layouts: other label words, orders and fonts', () => {
  it('bold-serif labels, rarity before anime, zero-padded id', () => {
    expect(fields('𝐍𝐚𝐦𝐞: Asuna Yuuki\n𝐑𝐚𝐫𝐢𝐭𝐲: 🔮 Premium Edition\n𝐀𝐧𝐢𝐦𝐞: Sword Art Online\n𝐈𝐃: 0042')).toEqual({
      name: 'Asuna Yuuki',
      anime: 'Sword Art Online',
      rarity: 'Premium Edition',
      id: '0042',
    });
  });
  it('small-caps labels and values', () => {
    expect(fields('ɴᴀᴍᴇ: ᴇᴍɪʟɪᴀ\nᴀɴɪᴍᴇ: Re:Zero\nʀᴀʀɪᴛʏ: 🟡 ʟᴇɢᴇɴᴅᴀʀʏ\nɪᴅ: 009')).toEqual({
      name: 'emilia',
      anime: 'Re:Zero',
      rarity: 'Legendary',
      id: '009',
    });
  });
  it('fullwidth labels and colon', () => {
    expect(fields('Ｎａｍｅ：Mikasa Ackerman\nＡｎｉｍｅ：Attack on Titan')).toMatchObject({
      name: 'Mikasa Ackerman',
      anime: 'Attack on Titan',
    });
  });
  it('Series / Card ID / Tier aliases, id first', () => {
    expect(fields('🪪 Card ID: 88\n✦ Character: Makima\n✦ Series: Chainsaw Man\n✦ Tier: 💎 Mythic')).toEqual({
      name: 'Makima',
      anime: 'Chainsaw Man',
      rarity: 'Mythic',
      id: '88',
    });
  });
  it('keeps hyphens, colons and slashes inside values', () => {
    expect(
      fields(
        'Character Name: Jean-Pierre Polnareff\nAnime Name: Fate/stay night: Unlimited Blade Works\nRarity: ⚜️ Super-Rare\nID: 5',
      ),
    ).toEqual({
      name: 'Jean-Pierre Polnareff',
      anime: 'Fate/stay night: Unlimited Blade Works',
      rarity: 'Super-Rare',
      id: '5',
    });
  });
  it('dash-delimited labels with a hyphenated value', () => {
    expect(fields('📛 Name - Sung Jin-Woo\n🎬 Anime - Solo Leveling\n⭐ Rarity - Epic')).toMatchObject({
      name: 'Sung Jin-Woo',
      anime: 'Solo Leveling',
      rarity: 'Epic',
    });
  });
  it('aligned columns in another order', () => {
    expect(
      fields(
        '🌟 New Character!\n\n🆔 ID      0311\n🎭 Name    Yor Forger\n⭐ Rarity  🟣 Rare\n📺 Anime   Spy X Family',
      ),
    ).toEqual({
      name: 'Yor Forger',
      anime: 'Spy X Family',
      rarity: 'Rare',
      id: '0311',
    });
  });
  it('a literal None value is null', () => {
    expect(fields('Name: Rias Gremory\nAnime: High School DxD\nRarity: None\nID: 3')).toMatchObject({ rarity: null });
  });
  it('MOJIBAKE in Mac Roman is repaired', () => {
    expect(fields('Character Name: Nami\nAnime Name: One Piece\nRarity: ‚ö™ ·¥Ñ·¥è·¥ç·¥ç·¥è…¥\nID: 11')).toMatchObject({
      rarity: 'Common',
    });
  });
  it('MOJIBAKE with lost cp1252 bytes is rebuilt only when it spells a rarity word', () => {
    expect(fields('Name: Nami\nRarity: âšª á´„á´á´á´á´É´\nID: 11').rarity).toBe('Common');
    const r = parseCaption('Name: Nami\nRarity: á´á´á´ Ê\nID: 11');
    expect(r.needsReview).toBe(true);
  });
  it('weak id labels count when the value is only digits', () => {
    expect(fields('No. 0045\nName: Rem').id).toBe('0045');
  });
  it('rename posts prefer the new name', () => {
    expect(fields('Old Name: Eren Jaeger\nNew Name: Eren Yeager\nCharacter ID: 220')).toMatchObject({
      name: 'Eren Yeager',
      id: '220',
    });
  });
});

describe('Telethon renderings', () => {
  it('markdown custom emoji, html tg-emoji, blockquote and escapes are undone', () => {
    expect(fields('**Character Name:** Rem [🔥](emoji/5368324170671202286)\n**Anime Name:** Re:Zero')).toMatchObject({
      name: 'Rem',
      anime: 'Re:Zero',
    });
    expect(
      fields(
        '<blockquote expandable><strong>Name:</strong> Rock &amp; Roll <tg-emoji emoji-id="1">🎸</tg-emoji>\n<strong>Anime:</strong> K-On&#x27;s</blockquote>',
      ),
    ).toMatchObject({ name: 'Rock & Roll', anime: "K-On's" });
  });
});

describe('ids: never user ids, prices, counters or title digits', () => {
  it('grabber layout with a digit-ending anime', () => {
    expect(fields('412: Reigen Arataka\nMob Psycho 100\n(🟣 𝙍𝘼𝙍𝙄𝙏𝙔: Rare)\n\n𝑨𝒅𝒅𝒆𝒅 𝑩𝒚 ➥ Arjun')).toEqual({
      name: 'Reigen Arataka',
      anime: 'Mob Psycho 100',
      rarity: 'Rare',
      id: '412',
    });
  });
  it('OwO layout with a digit-leading anime above the id line', () => {
    expect(fields('OwO! Check out this waifu!\n\n86 Eighty Six\n0777: Lena [🎄]\n(𝙍𝘼𝙍𝙄𝙏𝙔: 🎄 Christmas)')).toEqual({
      name: 'Lena',
      anime: '86 Eighty Six',
      rarity: 'Christmas',
      id: '0777',
    });
  });
  it('uploader mention in markdown and html without an ID line', () => {
    expect(
      fields(
        '**Character Name:** Nobara Kugisaki\n**Anime Name:** Jujutsu Kaisen\nAdded by [Ravi](tg://user?id=5843216790)',
      ).id,
    ).toBeNull();
    expect(
      fields('<strong>Name:</strong> Maki Zenin\nAdded by <a href="tg://user?id=6123457788">Ravi</a>').id,
    ).toBeNull();
  });
  it('buyer ids, prices and counters are not ids', () => {
    expect(fields('Successfully Purchased By Aki (7011223344)\n💕 𝙉𝙖𝙢𝙚: Power\n🎐 𝘼𝙣𝙞𝙢𝙚: Chainsaw Man').id).toBeNull();
    expect(
      fields('✨ New Character Added!\n\n🎭 Name   Makima\n📺 Anime  Chainsaw Man\n💰 Price  12,000 coins').id,
    ).toBeNull();
    expect(fields('Name: Nami (x7)\nAnime: One Piece (88/140)\n\nGlobally Guessed 99 Times...')).toEqual({
      name: 'Nami',
      anime: 'One Piece',
      rarity: null,
      id: null,
    });
  });
  it('album page markers and free-form titles with digits', () => {
    expect(fields('Part 1/4').name).toBeNull();
    expect(fields('Mob - Mob Psycho 100')).toEqual({ name: 'Mob', anime: 'Mob Psycho 100', rarity: null, id: null });
  });
});

describe('free-form and other families', () => {
  it('unlabelled layouts pick a bare rarity word only at the rarity position', () => {
    expect(fields('<b>7004</b>: <b>Yor Forger</b>\n<b>Spy X Family</b>\nLegendary')).toEqual({
      name: 'Yor Forger',
      anime: 'Spy X Family',
      rarity: 'Legendary',
      id: '7004',
    });
    expect(fields('Ichigo Kurosaki\nBleach\nRare\n7782')).toEqual({
      name: 'Ichigo Kurosaki',
      anime: 'Bleach',
      rarity: 'Rare',
      id: '7782',
    });
  });
  it('titles that start with a label word or contain counter words stay values', () => {
    expect(
      fields('OwO! Check out this character!\n\nGame of Thrones\n12: Jon Snow\n(🟡 RARITY: Legendary)').anime,
    ).toBe('Game of Thrones');
    expect(
      fields(
        'OwO! Check out this character!\n\nHarem in the Labyrinth of Another World\n501: Roxanne\n(🟡 RARITY: Legendary)',
      ).anime,
    ).toBe('Harem in the Labyrinth of Another World');
  });
  it('several labelled fields on one line', () => {
    expect(fields('Name: Rem | Anime: Re:Zero | Rarity: 🟡 Legendary | ID: 0005')).toEqual({
      name: 'Rem',
      anime: 'Re:Zero',
      rarity: 'Legendary',
      id: '0005',
    });
  });
  it('a trailing artist credit does not hide the data', () => {
    expect(fields('Rem (Re:Zero) by @artist')).toMatchObject({ name: 'Rem', anime: 'Re:Zero' });
  });
  it('separators never split bare hyphens or colons', () => {
    expect(fields('Kurisu Makise — Steins;Gate')).toMatchObject({ name: 'Kurisu Makise', anime: 'Steins;Gate' });
    expect(fields('Chizuru Mizuhara | Rent-a-Girlfriend')).toMatchObject({
      name: 'Chizuru Mizuhara',
      anime: 'Rent-a-Girlfriend',
    });
    expect(fields('Saber (Fate/stay night)')).toMatchObject({ name: 'Saber', anime: 'Fate/stay night' });
    expect(fields('Emilia from Re:Zero')).toMatchObject({ name: 'Emilia', anime: 'Re:Zero' });
  });
  it('several characters are joined with ", "', () => {
    expect(fields('Miku & Nino — The Quintessential Quintuplets').name).toBe('Miku, Nino');
  });
  it('Waifux card maps an emoji-only rarity through the channel table only', () => {
    const cap = '❖ Global Character Info ❖\n\n➤ Makima 🔴\n• Series: Chainsaw Man\n• ID: 41';
    expect(fields(cap).rarity).toBe('🔴');
    expect(fields(cap, { rarityEmojis: { '🔴': 'Rare' } }).rarity).toBe('Rare');
  });
  it('danbooru single character with a series qualifier', () => {
    expect(fields('ID: 99123\nTags: #1girl #solo\nArtist: #someone\nCharacters: #makima_chainsaw_man')).toEqual({
      name: 'Makima',
      anime: 'Chainsaw Man',
      rarity: null,
      id: '99123',
    });
  });
  it('spawn announcements in small caps give only the rarity', () => {
    expect(fields('ᴀ ɴᴇᴡ 🟣 ʀᴀʀᴇ ᴄʜᴀʀᴀᴄᴛᴇʀ ᴀᴘᴘᴇᴀʀᴇᴅ...\n/guess ᴛʜᴇ ɴᴀᴍᴇ')).toEqual({
      name: null,
      anime: null,
      rarity: 'Rare',
      id: null,
    });
  });
  it('negative posts stay empty', () => {
    for (const cap of [
      '🎁 Giveaway starts now! Join @SomeGroup',
      'Total waifus: 1,024\nTotal users: 88',
      'Name:\nAnime:',
      '\u3164',
      '#anime #art',
    ]) {
      expect(fields(cap), cap).toEqual({ name: null, anime: null, rarity: null, id: null });
    }
  });
  it('accepts GramJS entities with className and Bot-API entities with type', () => {
    const text = 'Rem / Nardack\n#Re:ゼロから始める異世界生活 #レム #Rem';
    const r = parseCaption(text, [
      { className: 'MessageEntityTextUrl', offset: 0, length: 3, url: 'https://www.pixiv.net/artworks/1' },
    ]);
    expect(r).toMatchObject({ name: 'Rem', family: 'pixiv' });
    expect(parseCaption('Name: Rem', [{ type: 'bold', offset: 0, length: 5 }]).name).toBe('Rem');
  });
  it('empty captions are not flagged for review; unparsable ones are', () => {
    expect(parseCaption('')).toMatchObject({ family: 'empty', confidence: 0, needsReview: false });
    expect(parseCaption('📢 Bot is under maintenance.').needsReview).toBe(true);
  });
});

describe('benchCaptions', () => {
  it('reports a positive rate', () => {
    const b = benchCaptions(100);
    expect(b.n).toBeGreaterThan(0);
    expect(b.captionsPerSecond).toBeGreaterThan(0);
  });
});

describe('templates in parseCaption', () => {
  it('a template takes precedence and gives high confidence', () => {
    const t = compileTemplate('{name} ✦ {anime} ✦ #{source_id}');
    const r = parseCaption('Kaguya Shinomiya ✦ Kaguya-sama: Love is War ✦ #0099', null, { template: t });
    expect(r).toMatchObject({
      name: 'Kaguya Shinomiya',
      anime: 'Kaguya-sama: Love is War',
      sourceId: '0099',
      family: 'template',
    });
    expect(r.confidence).toBeGreaterThan(0.9);
  });
  it('falls back to the built-in families when the template misses', () => {
    const t = compileTemplate('{name} ✦ {anime}');
    expect(parseCaption('Nico Robin - One Piece', null, { template: t })).toMatchObject({
      name: 'Nico Robin',
      family: 'freeform',
    });
  });
});

describe('normalizeForSearch', () => {
  it('folds fonts, small caps, width, case, diacritics and spaces', () => {
    expect(normalizeForSearch('  𝙑𝙡𝙖𝙙𝙞𝙡𝙚𝙣𝙖\u200B  Milizé ')).toBe('vladilena milize');
    expect(normalizeForSearch('ʟᴇɢᴇɴᴅᴀʀʏ ＲＥＭ')).toBe('legendary rem');
    expect(normalizeForSearch('ばけもの')).toBe('ばけもの');
  });
});
