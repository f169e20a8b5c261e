/**
 * The index off the main thread: one binary COPY stream of the signatures, read by the worker thread that
 * then holds the index and answers its candidate stage; checked against the paged in-thread load of the
 * same rows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../db/database.js';
import { createTestDb } from '../testing/test-db.js';
import { syntheticFeatures as features } from '../testing/synthetic-features.js';
import { insertArtworkFeatures, iterateIndexEntries } from '../repos/image-features.repo.js';
import { copyIndexEntries } from '../repos/image-index-copy.repo.js';
import { CopyBinaryRows } from '../images/copy-binary-rows.js';
import { IndexWorkerGoneError, startIndexWorker } from '../images/index-worker.js';
import { SearchIndex } from '../images/search-index.js';
import { candidatePool } from '../images/candidate-pool.js';
import { rng } from '../images/query-variants.js';
import { codeToBitString } from '../images/perceptual-hash.js';
import {
  deserializeSignature,
  rawSignature,
  readSignatureInto,
  serializeFeatures,
  signatureLength,
} from '../images/feature-blob.js';
import { FEATURES_VERSION, type ImageFeatures } from '../images/feature-types.js';

const N = 400;

async function copyBytes(db: Db): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await copyIndexEntries(db, FEATURES_VERSION, async (c) => void chunks.push(Uint8Array.from(c)));
  return Buffer.concat(chunks);
}

describe('index build in a worker thread from a binary COPY stream', () => {
  let db: Db;
  const all: ImageFeatures[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    const r = rng(41);
    for (let i = 1; i <= N; i++) {
      const f = features(r, i % 50 === 7 ? FEATURES_VERSION - 1 : FEATURES_VERSION);
      all.push(f);
      await db.query(`INSERT INTO characters (id, name) VALUES ($1, $2)`, [i, `Character ${i}`]);
      // every 40th artwork hidden, every 60th deleted: the build leaves them out, as the paged load does
      await db.query(
        `INSERT INTO artworks (id, character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime, hidden, deleted_at)
         VALUES ($1, $1, 'a.jpg', 'a.webp', $2, $3, 10, 10, 10, 'image/jpeg', $4, $5)`,
        [i, i.toString(16).padStart(64, '0'), codeToBitString(f.phash), i % 40 === 3, i % 60 === 5 ? new Date() : null],
      );
      await insertArtworkFeatures(db, String(i), f);
    }
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  test('the COPY rows, read in chunks cut anywhere, are the rows of the paged load', async () => {
    const paged: [string, string, string][] = [];
    for await (const page of iterateIndexEntries(db, FEATURES_VERSION, 97))
      for (const e of page) paged.push([e.artworkId, e.characterId, codeToBitString(e.features.phash)]);
    expect(paged.length).toBeGreaterThan(N * 0.9);
    expect(paged.length).toBeLessThan(N);
    const bytes = await copyBytes(db);
    const r = rng(3);
    for (const cut of ['tiny', 'mixed', 'whole']) {
      const got: [string, string, number][] = [];
      const rows = new CopyBinaryRows((id, characterId, sig) =>
        got.push([String(id), String(characterId), sig.length]),
      );
      for (let o = 0; o < bytes.length;) {
        const len =
          cut === 'whole' ? bytes.length : cut === 'tiny' ? 1 + Math.floor(r() * 7) : 1 + Math.floor(r() * 3000);
        // a fresh copy per chunk: the reader must not keep views into a chunk it was handed
        rows.push(Uint8Array.from(bytes.subarray(o, o + len)));
        o += len;
      }
      expect(rows.done).toBe(true);
      expect(got.map((g) => g.slice(0, 2))).toEqual(paged.map((p) => p.slice(0, 2)));
      expect(new Set(got.map((g) => g[2]))).toEqual(new Set([signatureLength(7)]));
    }
  });

  test('a signature read into flat arrays is the signature deserialised (fewer crop codes repeat the pHash)', () => {
    const raw = rawSignature();
    for (const crops of [7, 3, 0]) {
      const f = { ...all[5]!, cropHashes: all[5]!.cropHashes.slice(0, crops) };
      const sig = deserializeSignature(serializeFeatures(f));
      readSignatureInto(serializeFeatures(f), raw);
      const codes = [sig.phash, sig.dhash, ...Array.from({ length: 7 }, (_, k) => sig.cropHashes[k] ?? sig.phash)];
      expect([...raw.codes]).toEqual(codes.flatMap((c) => [c.hi, c.lo]));
      expect([...raw.dc]).toEqual(sig.haarDc);
      expect(raw.coefs).toEqual(sig.haarCoefs);
      expect(raw.version).toBe(sig.version);
    }
    expect(() => readSignatureInto(new Uint8Array(40), raw)).toThrow(/not an image-features blob/);
  });

  test('the index the worker builds answers as the in-thread build does, and takes changes', async () => {
    const w = startIndexWorker(async () => new Map());
    try {
      await copyIndexEntries(db, FEATURES_VERSION, (c) => w.write(c));
      const built = await w.end();
      const local = new SearchIndex();
      local.beginBulk();
      for await (const page of iterateIndexEntries(db, FEATURES_VERSION))
        for (const e of page) local.upsert(e.artworkId, e.characterId, e.features);
      local.compact();
      expect(built.count).toBe(local.count);
      expect(built.memory.total).toBe(local.memoryBytes().total);
      expect(w.stats).toEqual(built);
      const variantsOf = (f: ImageFeatures) => [
        { phash: f.phash, dhash: f.dhash, haar: { dc: f.haarDc, coefs: f.haarCoefs } },
      ];
      for (let i = 0; i < 30; i++) {
        const variants = variantsOf(all[(i * 13) % N]!);
        const got = await w.probe(variants, 5, 10);
        const want = candidatePool(local, { variants } as never, 5, 10).map((c) => local.artworkId(c.slot));
        expect(got.artworkIds).toEqual(want);
        expect(got.both).toBeGreaterThan(0);
      }
      // new entries and removals, in message order
      const fresh = features(rng(999));
      expect((await w.upsert([{ artworkId: String(N + 1), characterId: '1', features: fresh }])).count).toBe(
        local.count + 1,
      );
      expect((await w.probe(variantsOf(fresh), 1, 1)).artworkIds).toEqual([String(N + 1)]);
      const gone = await w.remove([String(N + 1)]);
      expect(gone.count).toBe(local.count);
      expect((await w.probe(variantsOf(fresh), 1, 1)).artworkIds).not.toContain(String(N + 1));
    } finally {
      await w.close();
    }
    // a stopped worker refuses work at once instead of hanging
    await expect(w.probe([], 1, 1)).rejects.toBeInstanceOf(IndexWorkerGoneError);
    expect(await w.exited).toBeNull();
  });

  test('a stream cut short or not COPY at all fails the build with a message, without hanging', async () => {
    const bytes = await copyBytes(db);
    const cut = startIndexWorker(async () => new Map());
    await cut.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(cut.end()).rejects.toThrow(/ended before its trailer/);
    const junk = startIndexWorker(async () => new Map());
    await junk.write(new TextEncoder().encode('1\t2\t\\x57\n'.repeat(100)));
    await expect(junk.end()).rejects.toThrow(/not a binary COPY stream/);
    await Promise.all([cut.close(), junk.close()]);
  });
});
