/** Generated sample artwork for the demo seed and tests when the shared art folder is absent. */
import sharp from 'sharp';

/** A distinct 600×800 JPEG per index: gradient, shapes and the label as text. */
export async function generateDemoImage(index: number, label: string): Promise<Buffer> {
  const hue = (index * 137) % 360;
  const hue2 = (hue + 60 + (index % 5) * 20) % 360;
  const shapes = Array.from({ length: 6 }, (_, k) => {
    const x = (index * 97 + k * 131) % 560;
    const y = (index * 53 + k * 211) % 760;
    const r = 30 + ((index + k * 7) % 90);
    return `<circle cx="${x}" cy="${y}" r="${r}" fill="hsl(${(hue + k * 45) % 360},70%,${40 + k * 6}%)" opacity="0.8"/>`;
  }).join('');
  const text = label.replace(/[<>&"]/g, '');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},65%,55%)"/><stop offset="1" stop-color="hsl(${hue2},65%,35%)"/></linearGradient></defs>
    <rect width="600" height="800" fill="url(#g)"/>${shapes}
    <rect x="${20 + (index % 7) * 10}" y="${200 + (index % 11) * 20}" width="${200 + (index % 3) * 60}" height="${260 - (index % 4) * 30}" rx="24" fill="white" opacity="0.25"/>
    <text x="300" y="740" font-family="sans-serif" font-size="44" text-anchor="middle" fill="white">${text}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 88 }).toBuffer();
}
