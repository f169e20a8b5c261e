/**
 * Synthetic query variants of an artwork (re-posts as users send them), built with sharp. Used by the
 * accuracy test and the benchmarks; kept out of the request path.
 */
import sharp from 'sharp';

export type VariantName =
  | 'jpeg30'
  | 'resize40'
  | 'crop10'
  | 'crop_asym'
  | 'mirror'
  | 'letterbox'
  | 'screenshot'
  | 'text'
  | 'hue'
  | 'combo';

export const VARIANTS: VariantName[] = ['jpeg30', 'resize40', 'crop10', 'crop_asym', 'mirror', 'letterbox', 'screenshot', 'text', 'hue', 'combo'];

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function esc(s: string) {
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

function textSvg(w: number, h: number, text: string, x: number, y: number, size: number, fill = '#fff', stroke = '#000'): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="${x}" y="${y}" font-family="sans-serif" font-weight="bold" font-size="${size}" fill="${fill}" stroke="${stroke}" stroke-width="${Math.max(1, size / 12)}">${esc(text)}</text></svg>`,
  );
}

async function oriented(src: Buffer): Promise<{ img: sharp.Sharp; w: number; h: number }> {
  const { data, info } = await sharp(src).rotate().flatten({ background: '#fff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { img: sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }), w: info.width, h: info.height };
}

/** Builds one variant of `src` (deterministic for a given seed). */
export async function makeVariant(src: Buffer, name: VariantName, seed = 1): Promise<Buffer> {
  const r = rng(seed);
  const { img, w, h } = await oriented(src);
  switch (name) {
    case 'jpeg30':
      return img.jpeg({ quality: 30 }).toBuffer();
    case 'resize40':
      return img.resize(Math.max(16, Math.round(w * 0.4)), Math.max(16, Math.round(h * 0.4))).jpeg({ quality: 85 }).toBuffer();
    case 'crop10': {
      const dx = Math.round(w * 0.1);
      const dy = Math.round(h * 0.1);
      return img.extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).jpeg({ quality: 85 }).toBuffer();
    }
    case 'crop_asym': {
      // drop 20 % of one side and 15 % of a perpendicular one
      const horiz = r() < 0.5 ? 'left' : 'right';
      const vert = r() < 0.5 ? 'top' : 'bottom';
      const dx = Math.round(w * 0.2);
      const dy = Math.round(h * 0.15);
      return img
        .extract({ left: horiz === 'left' ? dx : 0, top: vert === 'top' ? dy : 0, width: w - dx, height: h - dy })
        .jpeg({ quality: 85 })
        .toBuffer();
    }
    case 'mirror':
      return img.flop().jpeg({ quality: 85 }).toBuffer();
    case 'letterbox': {
      // fit into a 16:9 black frame (bars top/bottom or left/right)
      const W = Math.max(w, Math.round((h * 16) / 9));
      const H = Math.max(h, Math.round((W * 9) / 16));
      const pic = await img.png().toBuffer();
      return sharp({ create: { width: W, height: H, channels: 3, background: '#000' } })
        .composite([{ input: pic, left: Math.round((W - w) / 2), top: Math.round((H - h) / 2) }])
        .jpeg({ quality: 85 })
        .toBuffer();
    }
    case 'screenshot': {
      // dark-theme phone chat: status bar, header with avatar and title, the photo in a bubble,
      // caption lines under it, input bar; 1080×2340 at ×0.5
      const W = 540;
      const H = 1170;
      const pw = 420;
      const ph = Math.min(620, Math.round((h / w) * pw));
      const pwAdj = Math.round((w / h) * ph);
      const pic = await img.resize(pwAdj, ph).png().toBuffer();
      const top = 170 + Math.floor(r() * 60);
      const left = 40;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
        <rect x="0" y="0" width="${W}" height="40" fill="#0b0f14"/>
        <text x="24" y="28" font-family="sans-serif" font-size="18" fill="#fff">12:4${Math.floor(r() * 10)}</text>
        <text x="440" y="28" font-family="sans-serif" font-size="16" fill="#fff">5G 87%</text>
        <rect x="0" y="40" width="${W}" height="80" fill="#17212b"/>
        <circle cx="60" cy="80" r="26" fill="#5a8fd8"/>
        <text x="100" y="76" font-family="sans-serif" font-size="22" fill="#fff">Waifu Spawns</text>
        <text x="100" y="102" font-family="sans-serif" font-size="15" fill="#8a9aa9">12,408 subscribers</text>
        <rect x="${left - 10}" y="${top - 10}" width="${pwAdj + 20}" height="${ph + 120}" rx="16" fill="#182533"/>
        <text x="${left}" y="${top + ph + 36}" font-family="sans-serif" font-size="19" fill="#fff">A wild character appeared!</text>
        <text x="${left}" y="${top + ph + 64}" font-family="sans-serif" font-size="17" fill="#c9d4df">/guess the name to catch it</text>
        <text x="${left + pwAdj - 60}" y="${top + ph + 96}" font-family="sans-serif" font-size="13" fill="#6d7f8f">12:41</text>
        <rect x="0" y="${H - 70}" width="${W}" height="70" fill="#17212b"/>
        <text x="70" y="${H - 28}" font-family="sans-serif" font-size="18" fill="#6d7f8f">Message</text>
      </svg>`;
      return sharp({ create: { width: W, height: H, channels: 3, background: '#0e1621' } })
        .composite([
          { input: Buffer.from(svg), left: 0, top: 0 },
          { input: pic, left, top },
        ])
        .jpeg({ quality: 85 })
        .toBuffer();
    }
    case 'text': {
      const size = Math.max(10, Math.round(h * 0.045));
      const corner = r() < 0.5;
      const overlay = textSvg(w, h, '@anime_arts_channel', corner ? Math.round(w * 0.03) : Math.round(w * 0.2), corner ? h - Math.round(size * 0.8) : Math.round(h * 0.55), size);
      return img.composite([{ input: overlay, left: 0, top: 0 }]).jpeg({ quality: 85 }).toBuffer();
    }
    case 'hue':
      return img.modulate({ hue: 25 }).jpeg({ quality: 85 }).toBuffer();
    case 'combo': {
      const dx = Math.round(w * 0.05);
      const dy = Math.round(h * 0.05);
      const cw = w - 2 * dx;
      const chh = h - 2 * dy;
      const nw = Math.max(16, Math.round(cw * 0.45));
      const nh = Math.max(16, Math.round(chh * 0.45));
      const small = await img.extract({ left: dx, top: dy, width: cw, height: chh }).resize(nw, nh).png().toBuffer();
      const size = Math.max(8, Math.round(nh * 0.05));
      return sharp(small)
        .composite([{ input: textSvg(nw, nh, '@waifu_repost', Math.round(nw * 0.04), nh - Math.round(size * 0.8), size), left: 0, top: 0 }])
        .jpeg({ quality: 50 })
        .toBuffer();
    }
  }
}

/** A negative as the study made them: resized to 70 % and saved as JPEG q75. */
export async function makeNegative(src: Buffer): Promise<Buffer> {
  const { img, w, h } = await oriented(src);
  return img.resize(Math.max(16, Math.round(w * 0.7)), Math.max(16, Math.round(h * 0.7))).jpeg({ quality: 75 }).toBuffer();
}
