/**
 * HTTP abuse figures (issue 10). Returns figures for bench/run.ts to print:
 * - server RSS while 16 clients upload 25 MB each at once (uploads stream to disk; decoding is queued);
 * - latency of 20- to 64-character (the longest accepted) text queries over 5 000 characters.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer } from '../server/src/testing/test-server.js';
import { searchRoutes } from '../server/dist/routes/search.routes.js';
import { createImageSearchService } from '@waifudex/core/services/image-search.service';
import { insertCharacter } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { testLogger } from '../core/src/testing/test-db.js';

// The clients run in their own process, so their buffers do not count as the server's memory.
const CLIENT = `
const body = new Uint8Array(25 * 1024 * 1024 - 4096).map((_, i) => (i * 2654435761) >>> 24);
const statuses = await Promise.all(Array.from({ length: 16 }, async () => {
  const form = new FormData();
  form.set('image', new Blob([body], { type: 'image/jpeg' }), 'x.jpg');
  const r = await fetch(process.argv[1] + '/api/v1/search/image', { method: 'POST', body: form });
  await r.arrayBuffer();
  return r.status;
}));
console.log(statuses.join(','));`;

const mb = (b: number) => Math.round(b / 1e6);

export async function runHttpBench(): Promise<Record<string, unknown>> {
  const s = await startTestServer({
    app: { searchRateLimitPerMinute: 10_000 },
    routers: ({ db, imagesDir }) => [
      searchRoutes({
        search: createImageSearchService({ db, imagesDir, logger: testLogger, pollMs: 0, backgroundReindex: false }),
      }),
    ],
  });
  try {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CLIENT, s.url], {
      maxBuffer: 1e6,
    });
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 500));
    const after = process.memoryUsage().rss;

    for (let i = 0; i < 5000; i++) {
      const name = `Character ${i} ${['Asuna', 'Rem', 'Mikasa', 'Robin', 'Zero Two'][i % 5]}`;
      const anime = ['Sword Art Online', 'Re:Zero', 'Attack on Titan', 'One Piece', 'Darling in the Franxx'][i % 5]!;
      await insertCharacter(s.db, {
        name,
        anime,
        rarity: null,
        rarityEmoji: null,
        sourceId: null,
        variant: null,
        channelId: null,
        captionFamily: null,
        parseConfidence: null,
        rawCaption: '',
        needsReview: false,
        nameSearch: normalizeForSearch(name),
        animeSearch: normalizeForSearch(anime),
      });
    }
    const words =
      're zero kara hajimeru isekai seikatsu emilia rem ram subaru natsuki roswaal beatrice puck otto garfiel';
    const textQuery: Record<string, { p50: number; max: number }> = {};
    for (const len of [20, 40, 64]) {
      const q = encodeURIComponent(words.slice(0, len));
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        const res = await fetch(`${s.url}/api/v1/characters?q=${q}`);
        await res.arrayBuffer();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      textQuery[`chars_${len}`] = { p50: Math.round(times[3]!), max: Math.round(times[6]!) };
    }
    return {
      upload_16x25MB_statuses: [...new Set(stdout.trim().split(','))].join(','),
      upload_16x25MB_server_rss_mb: { before: mb(before), peak: mb(peak), after: mb(after) },
      text_query_over_5000_characters_ms: textQuery,
      target: 'peak RSS rise well under 16 x 25 MB; 64-char query < 300 ms on an idle box',
    };
  } finally {
    await s.close();
  }
}
