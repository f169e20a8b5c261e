/**
 * The trash: a delete from the admin panel only marks rows (undo restores them); the purge deletes rows
 * trashed more than `retentionDays` ago and removes their files only after that transaction committed
 * (a crash in between leaves unreferenced files, which the orphan sweep removes).
 */
import type { Db } from '../db/database.js';
import { findReferencedPaths } from '../repos/artworks.repo.js';
import {
  listTrash,
  purgeTrashBatch,
  restoreCharacters,
  trashCharacters,
  type TrashedCharacter,
} from '../repos/trash.repo.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';

export interface TrashChange {
  characterIds: string[];
  artworkIds: string[];
}

export interface PurgeResult {
  characters: number;
  artworks: number;
  files: number;
}

export interface TrashService {
  readonly retentionDays: number;
  /** Moves characters (with their artworks) to the trash; returns what moved. */
  trash(ids: string[]): Promise<TrashChange>;
  /** Brings characters back with the artworks trashed together with them. */
  restore(ids: string[]): Promise<TrashChange>;
  list(o: {
    page: number;
    perPage: number;
  }): Promise<{ items: (TrashedCharacter & { purgeAt: string })[]; total: number }>;
  /** Deletes for good what was trashed before now − retentionDays. */
  purge(now?: Date): Promise<PurgeResult>;
}

export interface TrashDeps {
  db: Db;
  /** Where the files are; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  retentionDays: number;
  /** Told after each change (e.g. to refresh this process's in-memory image index at once). It logs its own failures. */
  onChange?: (c: TrashChange) => void | Promise<void>;
  /** Rows per purge transaction (default 200): short transactions, bounded memory. */
  purgeBatch?: number;
}

const DAY_MS = 86_400_000;

export function createTrashService(deps: TrashDeps): TrashService {
  const { db } = deps;
  const store = imageStoreOf(deps);
  const changed = async (c: TrashChange) => {
    // catch: the change is committed; a listener logs its own failures (see TrashDeps.onChange)
    if (c.characterIds.length) await Promise.resolve(deps.onChange?.(c)).catch(() => undefined);
    return c;
  };
  return {
    retentionDays: deps.retentionDays,
    trash: async (ids) => changed(await db.transaction((tx) => trashCharacters(tx, ids))),
    restore: async (ids) => changed(await db.transaction((tx) => restoreCharacters(tx, ids))),
    async list(o) {
      const r = await listTrash(db, o);
      const purgeAt = (iso: string) => new Date(Date.parse(iso) + deps.retentionDays * DAY_MS).toISOString();
      return { total: r.total, items: r.items.map((c) => ({ ...c, purgeAt: purgeAt(c.deletedAt) })) };
    },
    async purge(now = new Date()) {
      const before = new Date(now.getTime() - deps.retentionDays * DAY_MS);
      const total: PurgeResult = { characters: 0, artworks: 0, files: 0 };
      for (;;) {
        const batch = await db.transaction((tx) => purgeTrashBatch(tx, before, deps.purgeBatch ?? 200));
        if (batch.characters === 0 && batch.artworks === 0) break;
        // committed: the rows are gone. A file is kept only if a new row took its path meanwhile (same bytes uploaded again).
        const still = await findReferencedPaths(db, batch.files);
        const doomed = batch.files.filter((f) => !still.has(f));
        await store.remove(doomed);
        total.characters += batch.characters;
        total.artworks += batch.artworks;
        total.files += doomed.length;
      }
      return total;
    },
  };
}
