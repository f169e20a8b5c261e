/**
 * `npm run seed-demo`: a small sample gallery for newcomers. Uses the shared test artwork beside the repo
 * when it is there (read in place, never copied into the repo), else generated images. Idempotent.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLocalChannel } from '@waifudex/core/repos/channels.repo';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import type { CommandContext } from '../context.js';
import { bar, statusLine } from '../progress/progress.js';
import { parseCommandLine } from '../cli/parse.js';

const SHARED_GALLERY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/images/gallery');

const GENERATED: Array<[string, string, string, string]> = [
  ['Nico Robin', 'One Piece', '🟡 Legendary', '🌸'],
  ['Nami', 'One Piece', '🟣 Rare', '🍊'],
  ['Mikasa Ackerman', 'Attack on Titan', '🟡 Legendary', '⚔️'],
  ['Rem', 'Re:Zero', '🔵 Common', '💙'],
  ['Kaguya Shinomiya', 'Kaguya-sama: Love is War', '🟣 Rare', '🎀'],
  ['Jean-Pierre Polnareff', "JoJo's Bizarre Adventure", '🟢 Medium', '🗡️'],
  ['Saber', 'Fate/stay night', '🟡 Legendary', '👑'],
  ['Mob', 'Mob Psycho 100', '🔵 Common', '🥦'],
  ['Marin Kitagawa', 'My Dress-Up Darling', '🟣 Rare', '👗'],
  ['Frieren', 'Frieren: Beyond Journey’s End', '🟡 Legendary', '🪄'],
  ['Anya Forger', 'Spy x Family', '🟢 Medium', '🥜'],
  ['Power', 'Chainsaw Man', '🟣 Rare', '🩸'],
];

async function sharedSamples(limit: number): Promise<Array<{ bytes: Buffer; caption: string }> | null> {
  let names: string[];
  try {
    names = (await fs.readdir(SHARED_GALLERY)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  } catch {
    return null;
  }
  const step = Math.max(1, Math.floor(names.length / limit));
  const picked = names.filter((_, i) => i % step === 0).slice(0, limit);
  return Promise.all(
    picked.map(async (f) => ({
      bytes: await fs.readFile(path.join(SHARED_GALLERY, f)),
      caption: await fs.readFile(path.join(SHARED_GALLERY, f.replace(/\.[^.]+$/, '.txt')), 'utf8').catch(() => ''),
    })),
  );
}

export default async function seedDemo(args: string[], ctx: CommandContext): Promise<void> {
  const [limit] = parseCommandLine('seed-demo', args).args;
  const samples =
    (await sharedSamples(limit)) ??
    (await Promise.all(
      GENERATED.map(async ([name, anime, rarity, emoji], i) => ({
        bytes: await generateDemoImage(i, `${emoji} ${name}`),
        caption: `${emoji} Name: ${name}\n📺 Anime: ${anime}\n${rarity.split(' ')[0]} Rarity: ${rarity.split(' ').slice(1).join(' ')}\n🆔 ${String(i + 1).padStart(3, '0')}`,
      })),
    ));
  const channel = await ensureLocalChannel(ctx.db, 'Demo');
  const counts: Record<string, number> = {};
  const progressLine = statusLine(ctx.progress);
  for (const [i, s] of samples.entries()) {
    const out = await ctx.ingest.ingestImage({ bytes: s.bytes, caption: s.caption, channel, messageId: i + 1 });
    counts[out.status] = (counts[out.status] ?? 0) + 1;
    if (progressLine.live || i + 1 === samples.length) progressLine.update(`seeding ${bar(i + 1, samples.length)}`);
  }
  progressLine.end();
  console.log(
    `demo data: ${JSON.stringify(counts)} (${samples.length} images from ${samples.length && (await fs.stat(SHARED_GALLERY).catch(() => null)) ? 'the shared test gallery' : 'generated pictures'})`,
  );
}
