/** Image store in a local folder (IMAGES_DIR): files written atomically (temp file + rename). */
import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { contentTypeOf, type ImageStore, type StoredObjectInfo } from '../services/image-store.js';

/** Leftover of a write interrupted between the temp file and the rename: `<name>.tmp-<pid>-<hex>`. */
export const LOCAL_TEMP_RE = /\.tmp-(\d+)-[0-9a-f]+$/;

export function createLocalImageStore(dir: string): ImageStore {
  const root = path.resolve(dir);
  const abs = (key: string) => resolveInside(root, key);

  async function* walk(rel: string): AsyncGenerator<StoredObjectInfo> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(abs(rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const key = `${rel}/${e.name}`;
      if (e.isDirectory()) yield* walk(key);
      else if (e.isFile()) {
        const st = await fs.stat(abs(key)).catch(() => null);
        if (st) yield { key, size: st.size, modifiedAt: st.mtime };
      }
    }
  }

  return {
    kind: 'local',
    location: root,
    localDir: root,
    async put(key, bytes) {
      const target = abs(key);
      if (await exists(target)) return; // same name = same content
      await fs.mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, target);
    },
    exists: (key) => exists(abs(key)),
    async get(key) {
      try {
        return await fs.readFile(abs(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async open(key) {
      const file = abs(key);
      const st = await fs.stat(file).catch(() => null);
      if (!st?.isFile()) return null;
      return { body: createReadStream(file), size: st.size, contentType: contentTypeOf(key) };
    },
    async remove(keys) {
      await Promise.all(keys.map((key) => fs.rm(abs(key), { force: true })));
    },
    list: (prefix) => walk(prefix.replace(/\/+$/, '')),
    signedUrl: async () => null,
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of a stored file; refuses anything that would escape the folder. */
export function resolveInside(root: string, rel: string): string {
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(root + path.sep)) throw new Error(`path escapes the images folder: ${rel}`);
  return abs;
}
