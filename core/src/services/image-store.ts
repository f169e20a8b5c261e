/**
 * Content-addressed image files under IMAGES_DIR. Names come from the SHA-256 of the bytes, never from a
 * caption or an upload's file name, and files are written atomically (temp file + rename).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';

export interface StoredPaths {
  /** Paths relative to IMAGES_DIR, with forward slashes (also the URL path under /images/). */
  filePath: string;
  thumbPath: string;
}

/** Where an image with this hash is stored. */
export function pathsFor(sha256: string, ext: string): StoredPaths {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[a-z0-9]{2,5}$/.test(ext)) throw new Error('invalid image key');
  return {
    filePath: `originals/${sha256.slice(0, 2)}/${sha256}.${ext}`,
    thumbPath: `thumbs/${sha256.slice(0, 2)}/${sha256}.webp`,
  };
}

/** Writes bytes to IMAGES_DIR/rel unless a file is already there. */
export async function writeAtomic(imagesDir: string, rel: string, bytes: Buffer): Promise<void> {
  const target = resolveInside(imagesDir, rel);
  try {
    await fs.access(target);
    return; // same name = same content
  } catch {
    /* not there yet */
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, target);
}

/** Removes stored files; missing ones are ignored. */
export async function removeFiles(imagesDir: string, rels: string[]): Promise<void> {
  await Promise.all(rels.map((rel) => fs.rm(resolveInside(imagesDir, rel), { force: true })));
}

/** Absolute path of a stored file; refuses anything that would escape IMAGES_DIR. */
export function resolveInside(imagesDir: string, rel: string): string {
  const root = path.resolve(imagesDir);
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(root + path.sep)) throw new Error(`path escapes the images folder: ${rel}`);
  return abs;
}
