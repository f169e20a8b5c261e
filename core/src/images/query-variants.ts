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
  | 'combo'
  | HardVariantName;

export const VARIANTS: VariantName[] = ['jpeg30', 'resize40', 'crop10', 'crop_asym', 'mirror', 'letterbox', 'screenshot', 'text', 'hue', 'combo'];

/**
 * Stronger edits than users' usual re-posts, without a bar: the ambiguous true queries on which the
 * precision of `probable` is measured (with the look-alike traps as its ambiguous negatives).
 * - combo_hard: 8 % crop per side, downscaled to a quarter, two caption lines, JPEG q30;
 * - blur: Gaussian blur of 0.8 % of the long side, JPEG q40;
 * - sticker: an opaque sticker over a fifth to a third of the picture at a corner, JPEG q80;
 * - zoom: the central 70 % × 75 %, JPEG q70;
 * - tiny: a thumbnail of 32–48 px on its long side, JPEG q60.
 */
type HardVariantName = 'combo_hard' | 'blur' | 'sticker' | 'zoom' | 'tiny';
export const HARD_VARIANTS: HardVariantName[] = ['combo_hard', 'blur', 'sticker', 'zoom', 'tiny'];

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

const CAPTIONS = ['@anime_arts_channel', 'Who is this? /guess'];

/** Caption lines (white bold, black outline) with the first baseline at y. */
function captionSvg(w: number, h: number, lines: string[], x: number, y: number, size: number): Buffer {
  const texts = lines
    .map((t, i) => `<text x="${x}" y="${y + i * Math.round(size * 1.15)}" font-family="sans-serif" font-weight="bold" font-size="${size}" fill="#fff" stroke="#000" stroke-width="${Math.max(1, size / 12)}">${esc(t)}</text>`)
    .join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${texts}</svg>`);
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
      // caption lines as channels stamp them: a readable font size (≥ 12 px, so on a 128 px icon one
      // line is ~10 % of the height and runs off both sides), one or two lines, at the bottom, across
      // the middle or at the top: up to ~25 % of a small picture
      const size = Math.max(12, Math.round(h * 0.045));
      const lines = r() < 0.5 ? 1 : 2;
      const where = r();
      const y0 = where < 0.4 ? h - Math.round(size * (lines - 0.2)) - 2 : where < 0.7 ? Math.round(h * 0.55) : size + 2;
      const x0 = r() < 0.5 ? Math.round(w * 0.03) : Math.round(w * 0.2);
      return img.composite([{ input: captionSvg(w, h, CAPTIONS.slice(0, lines), x0, y0, size), left: 0, top: 0 }]).jpeg({ quality: 85 }).toBuffer();
    }
    case 'hue':
      return img.modulate({ hue: 25 }).jpeg({ quality: 85 }).toBuffer();
    case 'combo': {
      // 10 % crop (5 % per side), downscaled by 60 %, a caption line (≥ 10 px: a quarter of a small
      // icon's height at that scale), JPEG q45
      const dx = Math.round(w * 0.05);
      const dy = Math.round(h * 0.05);
      const cw = w - 2 * dx;
      const chh = h - 2 * dy;
      const nw = Math.max(16, Math.round(cw * 0.4));
      const nh = Math.max(16, Math.round(chh * 0.4));
      const small = await img.extract({ left: dx, top: dy, width: cw, height: chh }).resize(nw, nh).png().toBuffer();
      const size = Math.max(10, Math.round(nh * 0.05));
      return sharp(small)
        .composite([{ input: captionSvg(nw, nh, ['@waifu_repost'], Math.round(nw * 0.04), nh - Math.round(size * 0.3), size), left: 0, top: 0 }])
        .jpeg({ quality: 45 })
        .toBuffer();
    }
    case 'combo_hard': {
      const dx = Math.round(w * 0.08);
      const dy = Math.round(h * 0.08);
      const nw = Math.max(16, Math.round((w - 2 * dx) * 0.25));
      const nh = Math.max(16, Math.round((h - 2 * dy) * 0.25));
      const small = await img.extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).resize(nw, nh).png().toBuffer();
      const size = Math.max(9, Math.round(nh * 0.06));
      return sharp(small)
        .composite([{ input: captionSvg(nw, nh, CAPTIONS, Math.round(nw * 0.03), nh - Math.round(size * 1.3), size), left: 0, top: 0 }])
        .jpeg({ quality: 30 })
        .toBuffer();
    }
    case 'blur':
      return img.blur(Math.max(0.5, 0.008 * Math.max(w, h))).jpeg({ quality: 40 }).toBuffer();
    case 'sticker': {
      const side = Math.sqrt(0.2 + r() * 0.13);
      const sw = Math.round(w * side);
      const sh = Math.round(h * side);
      const colour = `hsl(${Math.floor(r() * 360)},80%,${40 + Math.floor(r() * 30)}%)`;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${sw}" height="${sh}"><rect width="${sw}" height="${sh}" rx="${Math.round(sw / 5)}" fill="${colour}" stroke="#fff" stroke-width="${Math.max(2, sw / 30)}"/></svg>`;
      return img
        .composite([{ input: Buffer.from(svg), left: r() < 0.5 ? 0 : w - sw, top: r() < 0.5 ? 0 : h - sh }])
        .jpeg({ quality: 80 })
        .toBuffer();
    }
    case 'tiny': {
      // (the short side kept at 16 px at least: the smallest picture accepted)
      const s = Math.max((32 + Math.floor(r() * 17)) / Math.max(w, h), 16 / Math.min(w, h));
      return img.resize(Math.round(w * s), Math.round(h * s)).jpeg({ quality: 60 }).toBuffer();
    }
    case 'zoom': {
      const cw = Math.round(w * 0.7);
      const chh = Math.round(h * 0.75);
      return img.extract({ left: Math.round((w - cw) / 2), top: Math.round((h - chh) / 2), width: cw, height: chh }).jpeg({ quality: 70 }).toBuffer();
    }
  }
}

/** A negative as the study made them: resized to 70 % and saved as JPEG q75. */
export async function makeNegative(src: Buffer): Promise<Buffer> {
  const { img, w, h } = await oriented(src);
  return img.resize(Math.max(16, Math.round(w * 0.7)), Math.max(16, Math.round(h * 0.7))).jpeg({ quality: 75 }).toBuffer();
}

export type LookalikeKind = 'recolour' | 'palette' | 'face';
export const LOOKALIKE_KINDS: LookalikeKind[] = ['recolour', 'palette', 'face'];

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let hue = 0;
  if (d > 0) hue = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [hue * 60, max > 0 ? d / max : 0, max / 255];
}

function hsvToRgb(hue: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const hp = (((hue % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = v - c;
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

const hueGap = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

/**
 * A look-alike trap: a *different character* drawn from the same template as a gallery picture, as
 * game art produces them (villagers of one species in other colours, alternate forms, palette swaps).
 * - recolour: the dominant colour region takes another hue (60–180° away), the rest is unchanged;
 * - palette: the two dominant colour regions swap hues;
 * - face: the face region (centre, upper middle: 40 % × 35 %) comes from `donor`, another character.
 * Resized to 85 % and saved as JPEG q80. Null when too little changes to make another character
 * (< 12 % of pixels recoloured, < 7 % replaced).
 */
export async function makeLookalike(src: Buffer, kind: LookalikeKind, seed: number, donor?: Buffer): Promise<Buffer | null> {
  const r = rng(seed);
  const { data, info } = await sharp(src).rotate().flatten({ background: '#fff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  const n = w * h;
  const px = Buffer.from(data);
  let changed = 0;
  if (kind === 'face') {
    if (!donor) return null;
    const d = await sharp(donor).rotate().flatten({ background: '#fff' }).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer();
    const x0 = Math.round(w * 0.3), x1 = Math.round(w * 0.7), y0 = Math.round(h * 0.25), y1 = Math.round(h * 0.6);
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const o = (y * w + x) * 3;
        if (Math.abs(px[o]! - d[o]!) + Math.abs(px[o + 1]! - d[o + 1]!) + Math.abs(px[o + 2]! - d[o + 2]!) > 30) changed++;
        px[o] = d[o]!, px[o + 1] = d[o + 1]!, px[o + 2] = d[o + 2]!;
      }
  } else {
    // hue histogram of the colourful pixels (30° bins); a colour region = a bin and its neighbours
    const hist = new Array(12).fill(0);
    const hsv = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      const [hh, s, v] = rgbToHsv(px[3 * i]!, px[3 * i + 1]!, px[3 * i + 2]!);
      hsv[3 * i] = hh, hsv[3 * i + 1] = s, hsv[3 * i + 2] = v;
      if (s > 0.25 && v > 0.2) hist[Math.floor(hh / 30) % 12]++;
    }
    const order = hist.map((c, i) => ({ c, i })).sort((a, b) => b.c - a.c);
    const a = order[0]!.i * 30 + 15;
    const second = order.find((o) => hueGap(o.i * 30 + 15, a) >= 75 && o.c > 0.04 * n);
    const shiftA = kind === 'palette' && second ? (second.i * 30 + 15 - a) : (r() < 0.5 ? -1 : 1) * (60 + r() * 120);
    const shiftB = kind === 'palette' && second ? -shiftA : 0;
    const b = second ? second.i * 30 + 15 : NaN;
    for (let i = 0; i < n; i++) {
      const s = hsv[3 * i + 1]!;
      if (s <= 0.2 || hsv[3 * i + 2]! <= 0.15) continue;
      const hh = hsv[3 * i]!;
      const shift = hueGap(hh, a) <= 45 ? shiftA : shiftB && hueGap(hh, b) <= 45 ? shiftB : 0;
      if (!shift) continue;
      const [nr, ng, nb] = hsvToRgb(hh + shift, s, hsv[3 * i + 2]!);
      px[3 * i] = Math.round(nr), px[3 * i + 1] = Math.round(ng), px[3 * i + 2] = Math.round(nb);
      changed++;
    }
  }
  if (changed < (kind === 'face' ? 0.07 : 0.12) * n) return null;
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .resize(Math.max(16, Math.round(w * 0.85)), Math.max(16, Math.round(h * 0.85)))
    .jpeg({ quality: 80 })
    .toBuffer();
}
