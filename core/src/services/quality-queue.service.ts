/**
 * The data-quality queue: what a gallery owner cleans up after syncing channels. Each detector lists its
 * entries with the posts they concern (raw caption beside the parsed fields); the fixes are the admin
 * actions (edit, merge, split, hide, re-parse, delete) plus "this is fine" (dismiss) and, for sync gaps,
 * "retry now". Posts the sync left out as not characters are listed too; dismissing one forgets it. The file check stats every stored file, so its result is kept for a short while; the
 * near-duplicate pairs are kept until an artwork or a character's visibility changes.
 */
import type { Db } from '../db/database.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import {
  dismissEntry,
  findCardConflicts,
  findReviewEntries,
  findSyncGaps,
  listArtworkFiles,
  listDismissedKeys,
  listVisibleHashes,
  loadPosts,
  nearDuplicateStamp,
  NEAR_DUPLICATE_DISTANCE,
  type QualityGap,
  type QualityKind,
  type QualityPost,
} from '../repos/quality-queue.repo.js';
import { closeGaps, retryGapNow } from '../repos/sync-gaps.repo.js';
import { deleteSkippedPost, findSkippedPosts, type SkippedPostEntry } from '../repos/skipped-posts.repo.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';
import { findNearPairs } from '../images/near-duplicates.js';

export const QUALITY_KINDS: QualityKind[] = [
  'review',
  'card_conflict',
  'near_duplicate',
  'missing_file',
  'sync_gap',
  'skipped_post',
];

export type FileProblem = 'missing' | 'size_mismatch' | 'thumb_missing';

export interface QualityEntry {
  kind: QualityKind;
  /** Stable id of the entry (for dismiss / retry). */
  key: string;
  posts: QualityPost[];
  /** near_duplicate: differing pHash bits. */
  distance?: number;
  /** missing_file: what is wrong with the files. */
  problem?: FileProblem;
  /** sync_gap: the skipped message. */
  gap?: QualityGap;
  /** skipped_post: the post the sync left out of the gallery, with its caption. */
  skipped?: SkippedPostEntry;
}

export interface QualityQueueService {
  counts(): Promise<Record<QualityKind, number>>;
  list(kind: QualityKind, page: number, perPage: number): Promise<{ total: number; items: QualityEntry[] }>;
  /** Marks an entry as fine; for a sync gap, gives up on the message (the gap is closed); a skipped post is forgotten. */
  dismiss(kind: QualityKind, key: string): Promise<void>;
  /** Makes a sync gap due at once. */
  retryGap(key: string): Promise<void>;
}

export interface QualityQueueDeps {
  db: Db;
  /** Where the files are; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  /** How long a file check is reused (ms). Default 60 s; 0 checks on every call. */
  fileCheckTtlMs?: number;
}

const FILE_BATCH = 5000;

/** A sync gap's or skipped post's key: "<channel id>:<message id>". */
function messageKey(key: string, what = 'a sync gap'): { channelId: string; messageId: number } {
  const m = /^([1-9][0-9]{0,17}):([0-9]{1,18})$/.exec(key);
  if (!m) throw new BadRequestError(`${what} key is "<channel id>:<message id>"`, undefined, 'validation_failed');
  return { channelId: m[1]!, messageId: Number(m[2]) };
}

export function createQualityQueueService(deps: QualityQueueDeps): QualityQueueService {
  const { db } = deps;
  const store = imageStoreOf(deps);
  const ttl = deps.fileCheckTtlMs ?? 60_000;
  let fileCheck: { at: number; result: Promise<Array<{ artworkId: string; problem: FileProblem }>> } | null = null;
  let nearPairs: {
    stamp: string;
    result: Promise<Array<{ key: string; artworkIds: string[]; distance: number }>>;
  } | null = null;

  /** Same picture under two characters: pHashes within NEAR_DUPLICATE_DISTANCE bits (exact bytes are refused at ingest). */
  async function computeNearDuplicates() {
    const pairs = findNearPairs(await listVisibleHashes(db), NEAR_DUPLICATE_DISTANCE);
    return pairs.map((p) => ({ key: `${p.a}:${p.b}`, artworkIds: [p.a, p.b], distance: p.distance }));
  }

  async function nearDuplicates() {
    const stamp = await nearDuplicateStamp(db);
    if (nearPairs?.stamp !== stamp) {
      const result = computeNearDuplicates();
      nearPairs = { stamp, result };
      result.catch(() => (nearPairs = null));
    }
    const [all, dismissed] = await Promise.all([nearPairs.result, listDismissedKeys(db, 'near_duplicate')]);
    return all.filter((p) => !dismissed.has(p.key));
  }

  /**
   * Every artwork whose original is missing or of another size than stored (truncated, replaced), or whose
   * thumbnail is missing. One listing of the store (a folder walk, or S3 list pages) instead of a request per file.
   */
  async function checkFiles(): Promise<Array<{ artworkId: string; problem: FileProblem }>> {
    const sizes = new Map<string, number>();
    for (const prefix of ['originals/', 'thumbs/']) for await (const o of store.list(prefix)) sizes.set(o.key, o.size);
    const problems: Array<{ artworkId: string; problem: FileProblem }> = [];
    let after = '0';
    for (;;) {
      const rows = await listArtworkFiles(db, after, FILE_BATCH);
      if (!rows.length) break;
      after = rows[rows.length - 1]!.id;
      for (const r of rows) {
        const size = sizes.get(r.filePath);
        if (size === undefined) problems.push({ artworkId: r.id, problem: 'missing' });
        else if (size !== r.bytes) problems.push({ artworkId: r.id, problem: 'size_mismatch' });
        else if (!sizes.has(r.thumbPath)) problems.push({ artworkId: r.id, problem: 'thumb_missing' });
      }
    }
    return problems;
  }

  async function fileProblems(): Promise<Array<{ key: string; artworkId: string; problem: FileProblem }>> {
    if (!fileCheck || Date.now() - fileCheck.at > ttl) {
      const result = checkFiles();
      fileCheck = { at: Date.now(), result };
      result.catch(() => (fileCheck = null));
    }
    const [all, dismissed] = await Promise.all([fileCheck.result, listDismissedKeys(db, 'missing_file')]);
    return all.map((p) => ({ ...p, key: `${p.artworkId}:${p.problem}` })).filter((p) => !dismissed.has(p.key));
  }

  async function withPosts(
    rows: Array<Omit<QualityEntry, 'posts'> & { artworkIds: string[] }>,
  ): Promise<QualityEntry[]> {
    const posts = await loadPosts(
      db,
      rows.flatMap((r) => r.artworkIds),
    );
    return rows.map(({ artworkIds, ...r }) => ({
      ...r,
      posts: artworkIds.map((id) => posts.get(id)).filter((p): p is QualityPost => !!p),
    }));
  }

  async function list(
    kind: QualityKind,
    page: number,
    perPage: number,
  ): Promise<{ total: number; items: QualityEntry[] }> {
    const p = { limit: perPage, offset: (page - 1) * perPage };
    switch (kind) {
      case 'review': {
        const r = await findReviewEntries(db, p);
        return {
          total: r.total,
          items: await withPosts(r.rows.map((x) => ({ kind, key: x.key, artworkIds: [x.artworkId] }))),
        };
      }
      case 'card_conflict': {
        const r = await findCardConflicts(db, p);
        return {
          total: r.total,
          items: await withPosts(r.rows.map((x) => ({ kind, key: x.key, artworkIds: x.artworkIds }))),
        };
      }
      case 'near_duplicate': {
        const all = await nearDuplicates();
        const rows = all.slice(p.offset, p.offset + p.limit);
        return {
          total: all.length,
          items: await withPosts(
            rows.map((x) => ({ kind, key: x.key, artworkIds: x.artworkIds, distance: x.distance })),
          ),
        };
      }
      case 'missing_file': {
        const all = await fileProblems();
        const rows = all.slice(p.offset, p.offset + p.limit);
        return {
          total: all.length,
          items: await withPosts(
            rows.map((x) => ({ kind, key: x.key, artworkIds: [x.artworkId], problem: x.problem })),
          ),
        };
      }
      case 'sync_gap': {
        const r = await findSyncGaps(db, p);
        return { total: r.total, items: r.rows.map((gap) => ({ kind, key: gap.key, posts: [], gap })) };
      }
      case 'skipped_post': {
        const r = await findSkippedPosts(db, p);
        return { total: r.total, items: r.rows.map((skipped) => ({ kind, key: skipped.key, posts: [], skipped })) };
      }
    }
  }

  async function counts(): Promise<Record<QualityKind, number>> {
    const out = {} as Record<QualityKind, number>;
    // one after the other: the database is shared with the gallery
    for (const kind of QUALITY_KINDS) {
      if (kind === 'missing_file') out[kind] = (await fileProblems()).length;
      else if (kind === 'near_duplicate') out[kind] = (await nearDuplicates()).length;
      else out[kind] = (await list(kind, 1, 1)).total;
    }
    return out;
  }

  async function dismiss(kind: QualityKind, key: string): Promise<void> {
    if (kind === 'sync_gap') {
      const g = messageKey(key);
      if (!(await closeGaps(db, g.channelId, [g.messageId]))) throw new NotFoundError(`sync gap ${key} not found`);
      return;
    }
    if (kind === 'skipped_post') {
      const k = messageKey(key, 'a skipped post');
      if (!(await deleteSkippedPost(db, k.channelId, k.messageId)))
        throw new NotFoundError(`skipped post ${key} not found`);
      return;
    }
    await dismissEntry(db, kind, key);
  }

  async function retryGap(key: string): Promise<void> {
    const g = messageKey(key);
    if (!(await retryGapNow(db, g.channelId, g.messageId))) throw new NotFoundError(`sync gap ${key} not found`);
  }

  return { counts, list, dismiss, retryGap };
}
