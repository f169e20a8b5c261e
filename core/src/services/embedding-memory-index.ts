/**
 * The CLIP search where PostgreSQL has no pgvector: this process keeps one model's embeddings from the
 * core-types table (migration 1768000100000) in a CosineMatrix and brings it up to date before each
 * search. Up to date costs one indexed single-row read when nothing changed; otherwise only the rows
 * stamped since the last look are read (and the logged removals applied). The first search loads
 * everything once.
 */
import type { Db } from '../db/database.js';
import type { Logger } from '../logger.js';
import { CosineMatrix, type CosineHit } from '../images/cosine-matrix.js';
import {
  countStoredEmbeddings,
  embeddingsVersion,
  listEmbeddingRemovals,
  loadEmbeddingChanges,
  loadEmbeddingPage,
} from '../repos/embeddings.repo.js';

export interface EmbeddingMemoryIndex {
  readonly model: string;
  readonly dims: number;
  /** Rows held (after the last refresh). */
  readonly size: number;
  /** Brings the matrix up to the table's current version. */
  refresh(): Promise<void>;
  /** Refreshes, then the `limit` most similar stored artworks to `query`, best first (exact). */
  nearest(query: ArrayLike<number>, limit: number): Promise<CosineHit[]>;
}

export interface EmbeddingMemoryIndexDeps {
  db: Db;
  model: string;
  dims: number;
  logger?: Logger;
  /** Rows per query while loading (default 2000, ~16 MB of wire data at 512 dims). */
  pageSize?: number;
}

export function createEmbeddingMemoryIndex(deps: EmbeddingMemoryIndexDeps): EmbeddingMemoryIndex {
  const { db, model, dims } = deps;
  const pageSize = deps.pageSize ?? 2000;
  let matrix: CosineMatrix | null = null;
  let version = '0';
  // one refresh at a time; each caller then checks the version itself, so a search issued after a
  // write it made always sees that write
  let queue: Promise<void> = Promise.resolve();

  async function fullLoad(upTo: string): Promise<CosineMatrix> {
    const started = Date.now();
    const m = new CosineMatrix(dims, 1);
    m.reserve(await countStoredEmbeddings(db, model, dims, upTo));
    for (let after: string | null = '0'; after !== null;) {
      const page = await loadEmbeddingPage(db, { model, dims, upToVersion: upTo, afterId: after, limit: pageSize });
      for (const r of page.rows) m.set(r.artworkId, r.embedding);
      after = page.lastId;
    }
    deps.logger?.info({ model, dims, rows: m.size, ms: Date.now() - started }, 'CLIP embeddings loaded into memory');
    return m;
  }

  async function applyChanges(m: CosineMatrix, from: string, upTo: string): Promise<void> {
    // removals first: a row that exists now was written after any removal of the same artwork
    for (const id of await listEmbeddingRemovals(db, from, upTo)) m.delete(id);
    let after = from;
    for (;;) {
      const rows = await loadEmbeddingChanges(db, { afterVersion: after, upToVersion: upTo, limit: pageSize });
      for (const r of rows) {
        // a row switched to another model (or size) leaves this index
        if (r.model === model && r.dims === dims) m.set(r.artworkId, r.embedding);
        else m.delete(r.artworkId);
      }
      if (rows.length < pageSize) break;
      after = rows.at(-1)!.version;
    }
  }

  async function sync(): Promise<void> {
    const current = await embeddingsVersion(db);
    if (matrix && current === version) return;
    if (!matrix || BigInt(current) < BigInt(version)) {
      // first use (or the table was recreated): read everything
      matrix = await fullLoad(current);
    } else {
      await applyChanges(matrix, version, current);
    }
    version = current;
  }

  function refresh(): Promise<void> {
    const run = queue.then(sync);
    // catch: the queue only orders the refreshes; the caller gets `run` and its rejection
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    model,
    dims,
    get size() {
      return matrix?.size ?? 0;
    },
    refresh,
    async nearest(query, limit) {
      await refresh();
      return matrix!.nearest(query, limit);
    },
  };
}
