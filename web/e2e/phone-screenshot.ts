/** A real-size phone screenshot (1170×2532 PNG, ≥ 2 MB) of a chat where a bot posted `art`, as users send them. */
import sharp from 'sharp';

export async function makePhoneScreenshot(art: Buffer): Promise<Buffer> {
  const W = 1170;
  const H = 2532;
  const picW = 1000;
  const pic = await sharp(art).resize({ width: picW }).png().toBuffer();
  const picH = (await sharp(pic).metadata()).height!;
  const top = 420;
  const ui = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
    <rect width="${W}" height="120" fill="#0b0f14"/>
    <text x="60" y="84" font-family="sans-serif" font-size="44" fill="#fff">12:41</text>
    <text x="930" y="84" font-family="sans-serif" font-size="40" fill="#fff">5G 87%</text>
    <rect y="120" width="${W}" height="220" fill="#17212b"/>
    <circle cx="150" cy="230" r="70" fill="#5a8fd8"/>
    <text x="250" y="215" font-family="sans-serif" font-size="56" fill="#fff">Waifu Spawns</text>
    <text x="250" y="285" font-family="sans-serif" font-size="40" fill="#8a9aa9">12,408 subscribers</text>
    <rect x="60" y="${top - 25}" width="${picW + 50}" height="${picH + 300}" rx="40" fill="#182533"/>
    <text x="85" y="${top + picH + 90}" font-family="sans-serif" font-size="50" fill="#fff">A wild character appeared!</text>
    <text x="85" y="${top + picH + 170}" font-family="sans-serif" font-size="44" fill="#c9d4df">/guess the name to catch it</text>
    <rect y="${H - 200}" width="${W}" height="200" fill="#17212b"/>
    <text x="170" y="${H - 85}" font-family="sans-serif" font-size="48" fill="#6d7f8f">Message</text>
  </svg>`;
  // the chat wallpaper's fine pattern is what makes real screenshots megabytes as PNG (composited in the
  // same pipeline: no PNG round trip of the wallpaper alone)
  return sharp({
    create: { width: W, height: H, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 40, sigma: 14 } },
  })
    .composite([{ input: Buffer.from(ui) }, { input: pic, left: 85, top }])
    .png({ compressionLevel: 6 })
    .toBuffer();
}
