// Caption parser throughput, for the `npm run bench` runner (which does the printing).
// Captions are generated here from the documented family shapes so the bench needs no data.
import { parseCaption } from './parse-caption.js';

const NAMES = [
  'Muzan Kibutsuji',
  'Jean Pierre Polnareff',
  'Sung Jin-Woo',
  'Rem',
  '2B',
  'Vladilena Milizé',
  'C.C.',
  'Kakashi Hatake',
  'Ai Hoshino',
  'Chika Fujiwara',
];
const ANIME = [
  'Demon Slayer',
  "Jojo'S Bizarre Adventure",
  'Solo Leveling',
  'Re:Zero',
  'Nier:Automata',
  '86 Eighty Six',
  'Kaguya-sama: Love is War',
  'Naruto / Boruto',
  'Mob Psycho 100',
  'Fate/stay night',
];
const RARITY = [
  '🟡 Legendary',
  '⚪ Common',
  '🟣 Rare',
  '💮 Special Edition',
  '🔮 Limited Edition',
  '🫧 Premium',
  '💋 Cosplay [L]',
];

function generate(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = NAMES[i % NAMES.length]!;
    const anime = ANIME[(i * 7) % ANIME.length]!;
    const rar = RARITY[(i * 3) % RARITY.length]!;
    const [emo, ...words] = rar.split(' ');
    const id = String((i * 13) % 5000).padStart(2, '0');
    const shapes = [
      `Character Name: ${name}\nAnime Name: ${anime}\nRarity: ${rar}\nID: ${id}\nAdded by Riya`,
      `<strong>Character Name:</strong> ${name}\n<strong>Anime Name:</strong> ${anime.replace("'", '&#x27;')}\n<strong>Rarity:</strong> ${rar}\n<strong>ID:</strong> ${id}\nAdded by <a href="tg://user?id=6123457788">Riya</a>`,
      `${id}: ${name}\n${anime}\n(${emo} 𝙍𝘼𝙍𝙄𝙏𝙔: ${words.join(' ')})\n\n\n\n𝑨𝒅𝒅𝒆𝒅 𝑩𝒚 ➥ Arjun`,
      `OwO! Check out this character!\n\n${anime}\n${id}: ${name} [👘]\n(𝙍𝘼𝙍𝙄𝙏𝙔: ${rar})\n\n👘𝑲𝒊𝒎𝒐𝒏𝒐👘\n\n➼ ᴀᴅᴅᴇᴅ ʙʏ: Amiya`,
      `🍀 Name: ${name}\n🍋 Rarity: ${rar}\n🌸 Anime: ${anime}\n🌱 ID: ${id.padStart(4, '0')}\n\nAdded by Dev`,
      `✨ New Character Added!\n\n🎭 Name   ${name}\n📺 Anime  ${anime}\n⭐ Rarity ${rar}\n💰 Price  79,823 coins\n🆔 ID     ${id}`,
      `❖ Global Character Info ❖\n\n➤ ${name} 🟠\n• Series: ${anime}\n• ID: ${id}`,
      `${name} - ${anime}`,
      `**Look At This Character !!**\n\n🌸:** ${name}**\n🏖️: **${anime}**\n**${rar}**\n🆔️: **${id}**\n\n**Globally Guessed 41 Times...**`,
      `Posted at: Apr 4 '24 at 14:08\nID: ${id}\nTags: #1girl #solo\nArtist: #kantoku\nCharacters: #hatsune_miku`,
    ];
    out.push(shapes[i % shapes.length]!);
  }
  return out;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Parse generated captions for ~1.5 s on this thread; returns captions per second of CPU time
 * (process.cpuUsage, which also counts GC helper threads, so the figure is conservative). CPU
 * time rather than wall-clock keeps the number meaningful on a shared, oversubscribed machine.
 */
export function benchCaptions(durationMs = 1500): { captionsPerSecond: number; n: number } {
  const captions = generate(1000);
  for (let i = 0; i < 5000; i++) parseCaption(captions[i % captions.length]!); // warm-up (JIT)
  let n = 0;
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  while (performance.now() - wall0 < durationMs) {
    for (let k = 0; k < 200; k++) parseCaption(captions[(n + k) % captions.length]!);
    n += 200;
  }
  const cpu = Math.max(1, cpuMs() - cpu0);
  return { captionsPerSecond: Math.round((n * 1000) / cpu), n };
}
