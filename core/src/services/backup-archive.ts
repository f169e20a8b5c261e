/**
 * Reads a backup archive into a staging folder and checks it against its manifest before anything is
 * restored: every entry named as expected, hashed while written, and exactly the entries the manifest
 * lists. Any problem is a BadArchiveError.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import {
  BadArchiveError,
  MANIFEST_ENTRY,
  backupManifestSchema,
  isStoredPath,
  fileEntry,
  tableEntry,
  type BackupManifest,
} from './backup-manifest.js';

const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
const TABLE_ENTRY = /^db\/[a-z_][a-z0-9_]{0,62}\.tsv$/;

export interface StagedEntry {
  file: string;
  bytes: number;
  sha256: string;
}

export interface StagedArchive {
  manifest: BackupManifest;
  entries: Map<string, StagedEntry>;
}

/** Unpacks the archive (tar or tar.gz, told apart by its first bytes) into stageDir and verifies it. */
export async function stageArchive(input: Readable, stageDir: string): Promise<StagedArchive> {
  const entries = new Map<string, StagedEntry>();
  let manifestText: string | null = null;
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type !== 'file') throw new BadArchiveError(`unexpected ${type ?? 'unknown'} entry "${name}"`);
      if (entries.has(name) || (name === MANIFEST_ENTRY && manifestText !== null))
        throw new BadArchiveError(`entry "${name}" appears twice`);
      if (name === MANIFEST_ENTRY) {
        manifestText = await readSmall(entry as unknown as AsyncIterable<Buffer>, MAX_MANIFEST_BYTES);
        continue;
      }
      if (manifestText !== null) throw new BadArchiveError(`entry "${name}" after the manifest`);
      if (!TABLE_ENTRY.test(name) && !(name.startsWith('images/') && isStoredPath(name.slice(7)))) {
        throw new BadArchiveError(`unexpected entry "${name}"`);
      }
      const file = path.join(stageDir, name);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      const hashing = async function* (src: AsyncIterable<Buffer>) {
        for await (const chunk of src) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      };
      await pipeline(entry as unknown as AsyncIterable<Buffer>, hashing, fs.createWriteStream(file));
      entries.set(name, { file, bytes, sha256: hash.digest('hex') });
    }
  })();
  try {
    await Promise.all([feed(input, extract), reading]);
  } catch (err) {
    extract.destroy(err as Error);
    input.destroy();
    // an entry being written when the input broke may never end: stop waiting for it after a moment
    await Promise.race([reading.catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    if (err instanceof BadArchiveError) throw err;
    throw new BadArchiveError((err as Error).message || String(err));
  }
  if (manifestText === null) throw new BadArchiveError('it has no manifest.json (not a backup, or cut short)');
  return { manifest: verify(parseManifest(manifestText), entries), entries };
}

/** Pipes the input (gunzipped when it starts with the gzip magic bytes) into the tar extractor. */
async function feed(input: Readable, extract: tar.Extract): Promise<void> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) throw new BadArchiveError('the archive is empty');
  const gzipped = first.value[0] === 0x1f && first.value[1] === 0x8b;
  const rest = (async function* () {
    yield first.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  })();
  const source = Readable.from(rest);
  const stages = gzipped ? [source, zlib.createGunzip()] : [source];
  await new Promise<void>((resolve, reject) => {
    const last = stages.length > 1 ? (stages[0] as Readable).pipe(stages[1] as zlib.Gunzip) : source;
    for (const s of stages) s.on('error', reject);
    extract.on('error', reject);
    extract.on('finish', resolve);
    last.pipe(extract as unknown as NodeJS.WritableStream);
  });
}

async function readSmall(entry: AsyncIterable<Buffer>, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of entry) {
    n += chunk.length;
    if (n > max) throw new BadArchiveError('manifest.json is too large');
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

function parseManifest(text: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadArchiveError('manifest.json is not JSON');
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadArchiveError(`manifest.json is invalid (${issue?.path.join('.') || 'root'}: ${issue?.message})`);
  }
  return parsed.data;
}

/** Exactly the entries the manifest lists, each with its recorded size and sha256. */
function verify(manifest: BackupManifest, entries: Map<string, StagedEntry>): BackupManifest {
  const expected = new Map<string, { bytes: number; sha256: string }>();
  for (const t of manifest.tables) expected.set(tableEntry(t.name), t);
  for (const f of manifest.files) expected.set(fileEntry(f.path), f);
  for (const [name, want] of expected) {
    const got = entries.get(name);
    if (!got) throw new BadArchiveError(`${name} is listed in the manifest but missing`);
    if (got.bytes !== want.bytes || got.sha256 !== want.sha256)
      throw new BadArchiveError(`${name} does not match its sha256 in the manifest (damaged)`);
  }
  for (const name of entries.keys())
    if (!expected.has(name)) throw new BadArchiveError(`entry "${name}" is not in the manifest`);
  return manifest;
}
