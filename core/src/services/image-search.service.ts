/**
 * Reverse image search service: an in-memory index built from the database at start, kept current
 * from the trigger-fed change log whenever a NOTIFY says it grew (any process, any replica; a slow poll
 * is the safety net), and the search
 * cascade exact bytes → hash/wavelet candidates → alignment verification → calibrated verdict.
 * The index and every CPU-heavy step of a search live in a worker thread (index-worker.ts); this
 * thread does the database work. A worker that dies is rebuilt by the next search (503 until then).
 */
import type { ImageStore } from './image-store.js';
import type { Db, Queryable } from '../db/database.js';
import { listen, type Listener } from '../db/listen.js';
import type { Logger } from '../logger.js';
import { imageUrl } from '../api/image-url.js';
import { ImageRejectedError, type DecodeOptions } from '../images/analyze-image.js';
import type { ImagePool } from '../images/image-pool.js';
import {
  IndexWorkerGoneError,
  startIndexWorker,
  type IndexRow,
  type IndexWorker,
  type VerifyByIds,
} from '../images/index-worker.js';
import type { RankedCandidate } from '../images/rank-candidates.js';
import { type MatchStage, type Verdict } from '../images/verdict-calibration.js';
import { FEATURES_VERSION, type VerifyData } from '../images/feature-types.js';
import type { StageClock } from '../images/stage-timings.js';
import { WarmingUpError } from '../errors.js';
import {
  findExactArtworks,
  getIndexChangeHead,
  getIndexEntries,
  getMatchDetails,
  getVerifyData,
  iterateIndexEntries,
  listIndexChangesSince,
} from '../repos/image-features.repo.js';
import { copyIndexEntries } from '../repos/image-index-copy.repo.js';
import type { CharacterBrief } from '../repos/rows.js';
import { countStaleArtworks, reindexArtworkFeatures } from './image-reindex.service.js';
import { LRUCache } from 'lru-cache';

export { ImageRejectedError };

export interface SearchMatch {
  character: CharacterBrief & { artwork_count: number };
  /** The artwork that matched, with its own post (a character has one artwork per post). */
  artwork: {
    id: string;
    url: string;
    thumb_url: string;
    is_current: boolean;
    source_id: string | null;
    rarity: string | null;
    rarity_emoji: string | null;
    channel_title: string | null;
    posted_at: string;
  };
  /** Smallest pHash-domain Hamming distance (0–64) over the query variants; 0 for exact bytes. */
  distance: number;
  /** 0–100 confidence (alignment similarity). */
  score: number;
  stage: MatchStage;
  verdict: Verdict;
  /** What the verdict rests on, so that the UI can explain it; absent for exact bytes. */
  evidence?: MatchEvidence;
}

/** The verifier's evidence for one candidate (see docs/image-search.md). */
export interface MatchEvidence {
  /** Alignment agreement, 0..1: mean of the intensity and gradient NCC outside caption rows. */
  aligned: number;
  /** Colour agreement of the worst grid cell, 0..1 (1 − colour misfit); null for grey pictures. */
  colour: number | null;
  /** How far the query's colours are turned against the artwork's, degrees; null for grey pictures. */
  hue_shift: number | null;
  /** Largest turn of one region's colours against the picture-wide turn, degrees; null for grey pictures. */
  cell_turn: number | null;
  /** Tone misfit of the worst grid cell (0 = same drawing; a changed face reads ≥ 0.5). */
  tone_misfit: number;
  /** Worst compact block's structure misfit (another face on the same template ≥ 0.5); null with too little detail. */
  structure_misfit: number | null;
  /** Share of the colour that kept its hue while the picture turned (a recolour, not a filter), 0..1. */
  unturned: number;
  /** Share of the aligned picture hidden by caption lines or a flat cover and left out, 0..1. */
  occluded: number;
  /** The part of `occluded` under a flat cover (a sticker: the query flat where the artwork has detail). */
  covered: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function evidenceOf(r: RankedCandidate): MatchEvidence {
  const e = r.evidence;
  const finite = (x: number) => (Number.isFinite(x) ? round3(x) : null);
  return {
    aligned: round3(Math.max(0, (r.ncc + r.grad) / 2)),
    colour: Number.isFinite(e.colourMisfit) ? round3(Math.max(0, 1 - e.colourMisfit)) : null,
    hue_shift: finite(e.hueShift),
    cell_turn: finite(e.cellTurn),
    tone_misfit: Number.isFinite(e.toneMisfit) ? round3(e.toneMisfit) : 99,
    structure_misfit: finite(e.structureMisfit),
    unturned: round3(e.unturned),
    occluded: round3(e.occluded),
    covered: round3(e.covered),
  };
}

export interface SearchResult {
  verdict: Verdict;
  query: { width: number; height: number; sha256: string };
  matches: SearchMatch[];
  took_ms: number;
}

export interface ImageSearchServiceOptions {
  /** A Db (with a pool) also gets change notifications; a bare Queryable is polled only. */
  db: Db | Queryable;
  /** Stored images (the background signature catch-up reads the originals); `imagesDir`: a local folder. */
  images?: ImageStore;
  imagesDir?: string;
  logger: Logger;
  /** Builds the public URL of a stored file path (default `/images/<path>`). */
  urlFor?: (storedPath: string) => string;
  decode?: DecodeOptions;
  /** Change-log polling period (ms), the safety net behind notifications; 0 disables the timer. */
  pollMs?: number;
  maxMatches?: number;
  /**
   * At start, recompute in the background the signatures of artworks whose features are missing or
   * at an older FEATURES_VERSION (from the stored files), so that a gallery indexed by an older engine
   * does not search empty until `npm run reindex`. Default true; files analysed at once: 1.
   */
  backgroundReindex?: boolean;
  /** Log background-reindex progress every this many rows (default 200). */
  reindexLogEvery?: number;
  /** Verification images of recent candidates kept in memory (default 2,000, ~10 MB). */
  verifyCacheEntries?: number;
  /** Where the background reindex decodes the originals (the server's pool; default: the process's shared one). */
  imagePool?: ImagePool;
}

export interface SearchOptions {
  telegramPhotoId?: string;
  /** Laps each stage (decode, exact, prepare, candidates, verify, details) into it. */
  timings?: StageClock;
}

export interface ImageSearchService {
  /**
   * Builds the index from the database and starts polling for changes; resolves when searches can be
   * answered. Until then search() throws WarmingUpError (503 + Retry-After), so a server may listen first.
   */
  start(): Promise<void>;
  stop(): void;
  /** Applies pending changes from the change log now. */
  refresh(): Promise<void>;
  search(bytes: Buffer, opts?: SearchOptions): Promise<SearchResult>;
  stats(): {
    entries: number;
    memoryBytes: number;
    head: number;
    ready: boolean;
    reindexing: boolean;
    buildMs: number | null;
  };
  /** Resolves when the background recomputation of stale signatures started by start() is over. */
  reindexed(): Promise<void>;
  /** The worker that holds the index, once built (exposed for tests and benchmarks). */
  indexWorker(): IndexWorker | null;
}

/** Index entries per message to the worker. */
const APPLY_SLICE = 500;

export function createImageSearchService(opts: ImageSearchServiceOptions): ImageSearchService {
  const { db, logger } = opts;
  const urlFor = opts.urlFor ?? imageUrl;
  const maxMatches = opts.maxMatches ?? 10;
  const pollMs = opts.pollMs ?? 30_000;
  let listener: Listener | null = null;
  // the worker holding the index, set when its build is done
  let worker: IndexWorker | null = null;
  let stopped = false;
  // verification images (~5 KB each) stay in the database; the ones of recent top candidates are cached
  const verifyCache = new LRUCache<string, VerifyData>({ max: opts.verifyCacheEntries ?? 2_000 });
  let head = 0;
  let ready = false;
  let buildMs: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  let refreshing: Promise<void> | null = null;
  let startPromise: Promise<void> | null = null;
  let reindexPromise: Promise<void> | null = null;
  let reindexing = false;
  const reindexAbort = new AbortController();

  /** Adds or replaces rows in the index (in slices: one message each). */
  async function apply(entries: IndexRow[], w = worker) {
    if (!w) return; // no index (stopped, or a dead worker): the next build reads the database anyway
    for (const e of entries) verifyCache.delete(e.artworkId);
    for (let i = 0; i < entries.length; i += APPLY_SLICE) await w.upsert(entries.slice(i, i + APPLY_SLICE));
  }

  async function build() {
    const t0 = performance.now();
    const w = startIndexWorker(verifyByIds, (message) =>
      logger.warn({ message }, 'image search: the index worker verifies alone for now'),
    );
    let entries: number;
    try {
      // the head first: changes made while the rows stream in are applied by the first refresh
      head = await getIndexChangeHead(db);
      if ('pool' in db) {
        // one binary COPY stream; this thread only forwards the bytes
        await copyIndexEntries(db, FEATURES_VERSION, (chunk) => w.write(chunk));
      } else {
        let pages = 0;
        for await (const page of iterateIndexEntries(db, FEATURES_VERSION)) {
          await w.load(page);
          if (++pages % 20 === 0) logger.debug({ pages }, 'image search index loading');
        }
      }
      entries = (await w.end()).count;
    } catch (err) {
      void w.close();
      throw err;
    }
    if (stopped) return void w.close();
    worker = w;
    void w.exited.then((err) => {
      if (worker !== w) return;
      // the index is gone with its thread: searches say "warming up" and the next one rebuilds it
      worker = null;
      ready = false;
      startPromise = null;
      logger.error({ err }, 'image search index worker ended; the next search rebuilds the index');
    });
    buildMs = Math.round(performance.now() - t0);
    ready = true;
    // a rebuild: changes notified while it ran were skipped, the change log has them
    if (listener || timer) void refresh();
    logger.info(
      { entries, ms: buildMs, memoryMB: Math.round((w.stats?.memory.total ?? 0) / 1e6) },
      'image search index built',
    );
  }

  /** The build, started once; a failed build is retried by the next start() or search(). */
  function ensureBuild(): Promise<void> {
    if (!startPromise) {
      startPromise = build().catch((err) => {
        startPromise = null;
        throw err;
      });
    }
    return startPromise;
  }

  async function refreshOnce() {
    for (;;) {
      // no index (a rebuild under way): the head stays where it is, the rebuild's own catch-up reads on
      const w = worker;
      if (!w) return;
      const latest = await getIndexChangeHead(db);
      if (latest <= head) return;
      const { head: newHead, artworkIds, truncated } = await listIndexChangesSince(db, head);
      const entries = await getIndexEntries(db, FEATURES_VERSION, artworkIds);
      const present = new Set(entries.map((e) => e.artworkId));
      const gone = artworkIds.filter((id) => !present.has(id));
      for (const id of gone) verifyCache.delete(id);
      if (gone.length) await w.remove(gone);
      await apply(entries, w);
      if (worker !== w) return;
      head = newHead;
      if (!truncated) return;
    }
  }

  function refresh(): Promise<void> {
    if (!refreshing) {
      refreshing = refreshOnce()
        .catch((err) => logger.warn({ err }, 'image search index refresh failed'))
        .finally(() => (refreshing = null));
    }
    return refreshing;
  }

  // the worker's searches ask for the verification images of their top candidates
  const verifyByIds: VerifyByIds = async (ids) => {
    const out = new Map<string, VerifyData>();
    const missing: string[] = [];
    for (const id of ids) {
      const v = verifyCache.get(id);
      if (v) out.set(id, v);
      else missing.push(id);
    }
    if (missing.length) {
      for (const [id, v] of await getVerifyData(db, FEATURES_VERSION, missing)) {
        verifyCache.set(id, v);
        out.set(id, v);
      }
    }
    return out;
  };

  async function search(bytes: Buffer, sopts: SearchOptions = {}): Promise<SearchResult> {
    const timings = sopts.timings;
    const t0 = performance.now();
    const w = worker;
    if (!ready || !w) {
      if (!stopped) ensureBuild().catch((err) => logger.warn({ err }, 'image search index build failed'));
      throw new WarmingUpError();
    }
    // decode, query variants, candidates and verification, all in the index's thread (which also hashes
    // the bytes: this thread stays free of per-upload CPU work)
    const { query, ranked, stages } = await w.search(bytes, opts.decode).catch((err: unknown) => {
      throw err instanceof IndexWorkerGoneError ? new WarmingUpError() : err;
    });
    timings?.merge(stages, 'handover');
    const exactIds = await findExactArtworks(db, query.sha256, sopts.telegramPhotoId);
    timings?.lap('exact');
    type Row = {
      artworkId: string;
      distance: number;
      score: number;
      stage: MatchStage;
      verdict: Verdict;
      evidence?: MatchEvidence;
    };
    const rows: Row[] = exactIds.map((id) => ({
      artworkId: id,
      distance: 0,
      score: 100,
      stage: 'exact',
      verdict: 'exact',
    }));
    const seen = new Set(exactIds);
    for (const r of ranked) {
      if (seen.has(r.artworkId)) continue;
      seen.add(r.artworkId);
      rows.push({
        artworkId: r.artworkId,
        distance: r.phashDistance,
        score: r.score,
        stage: r.stage,
        verdict: r.verdict,
        evidence: evidenceOf(r),
      });
    }
    const details = await getMatchDetails(
      db,
      rows.slice(0, maxMatches * 2).map((r) => r.artworkId),
    );
    timings?.lap('details');
    const matches: SearchMatch[] = [];
    const characters = new Set<string>();
    for (const r of rows) {
      const d = details.get(r.artworkId);
      if (!d) continue; // hidden or deleted meanwhile
      // one answer per character: its best-matching artwork (rows are best first)
      if (characters.has(d.character.id)) continue;
      characters.add(d.character.id);
      const p = d.post;
      matches.push({
        character: { ...d.character, artwork_count: d.artworkCount },
        artwork: {
          id: r.artworkId,
          url: urlFor(d.filePath),
          thumb_url: urlFor(d.thumbPath),
          is_current: p.isCurrent,
          source_id: p.sourceId,
          rarity: p.rarity,
          rarity_emoji: p.rarityEmoji,
          channel_title: p.channelTitle,
          posted_at: p.postedAt,
        },
        distance: r.distance,
        score: r.score,
        stage: r.stage,
        verdict: r.verdict,
        ...(r.evidence ? { evidence: r.evidence } : {}),
      });
      if (matches.length >= maxMatches) break;
    }
    const verdict: Verdict = matches[0]?.verdict ?? 'none';
    return { verdict, query, matches, took_ms: Math.round(performance.now() - t0) };
  }

  /** Background catch-up of stale or missing signatures; each stored row enters the index at once. */
  async function backgroundReindex(): Promise<void> {
    const stale = await countStaleArtworks(db);
    if (stale === 0) return;
    reindexing = true;
    const every = Math.max(1, opts.reindexLogEvery ?? 200);
    logger.warn(
      { stale, version: FEATURES_VERSION },
      'image search: recomputing stale image signatures in the background',
    );
    const t0 = performance.now();
    const p = await reindexArtworkFeatures({
      db,
      images: opts.images,
      imagesDir: opts.imagesDir,
      logger,
      maxPixels: opts.decode?.maxPixels,
      concurrency: 1,
      signal: reindexAbort.signal,
      imagePool: opts.imagePool,
      onRow: async (row, prog) => {
        if (row.features) {
          // the row is searchable now (hidden/deleted artworks are filtered by the query)
          const [e] = await getIndexEntries(db, FEATURES_VERSION, [row.artworkId]);
          if (e) await apply([e]);
        }
        if (prog.done % every === 0)
          logger.info(
            { done: prog.done, total: prog.total, failed: prog.failed, perSecond: Math.round(prog.rate * 10) / 10 },
            'image search: reindex progress',
          );
      },
    });
    logger.info({ ...p, ms: Math.round(performance.now() - t0) }, 'image search: stale signatures recomputed');
  }

  return {
    indexWorker: () => worker,
    async start() {
      stopped = false;
      await ensureBuild();
      if ((opts.backgroundReindex ?? true) && !reindexPromise) {
        reindexPromise = backgroundReindex()
          .catch((err) => logger.warn({ err }, 'image search: background reindex failed'))
          .finally(() => (reindexing = false));
      }
      if ('pool' in db && !listener) listener = listen(db.pool, 'image_index_changes', () => void refresh(), logger);
      if (pollMs > 0 && !timer) {
        timer = setInterval(() => void refresh(), pollMs);
        timer.unref();
      }
    },
    stop() {
      stopped = true;
      ready = false;
      void worker?.close();
      worker = null;
      startPromise = null;
      reindexAbort.abort();
      void listener?.close();
      listener = null;
      if (timer) clearInterval(timer);
      timer = null;
    },
    refresh,
    search,
    stats: () => ({
      entries: worker?.stats?.count ?? 0,
      memoryBytes: worker?.stats?.memory.total ?? 0,
      head,
      ready,
      reindexing,
      buildMs,
    }),
    reindexed: () => reindexPromise ?? Promise.resolve(),
  };
}
