/**
 * The layout of a backup archive (a tar, gzipped or not):
 *   db/<table>.tsv        COPY text format of one table, columns as listed in the manifest
 *   images/<store key>    originals/…, thumbs/… (every srcset width), the keys of the image store
 *   manifest.json         written last, so a truncated archive has none and is refused
 */
import { z } from 'zod';
import { isImageKey } from '../storage/image-keys.js';
import { UserError } from '../errors.js';

export const MANIFEST_ENTRY = 'manifest.json';
export const BACKUP_FORMAT = 'waifudex-backup';
export const BACKUP_FORMAT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const tableName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);

/** Store keys are content-addressed (`originals/ab/<sha256>.<ext>`, `thumbs/ab/<sha256>[-<width>].webp`): the store's own rule. */
export const isStoredPath = isImageKey;

export const backupManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  createdAt: z.string(),
  appVersion: z.string(),
  engine: z.object({ server: z.string(), pgvector: z.boolean() }),
  /** Applied migrations, oldest first: the restore rebuilds the schema up to exactly this level. */
  migrations: z.array(z.string().regex(/^\d{13}_[A-Za-z0-9._-]+$/)),
  tables: z.array(
    z.object({
      name: tableName,
      columns: z.array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/)).min(1),
      rows: z.number().int().min(0),
      bytes: z.number().int().min(0),
      sha256,
    }),
  ),
  files: z.array(
    z.object({ path: z.string().refine(isStoredPath, 'not an image key'), bytes: z.number().int().min(0), sha256 }),
  ),
  /** Keys that rows referenced but that were gone from the image store when the backup read them. */
  missingFiles: z.array(z.string()),
  counts: z.object({ characters: z.number().int(), artworks: z.number().int(), channels: z.number().int() }),
});

export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** Archive entry name of a table's data. */
export const tableEntry = (table: string) => `db/${table}.tsv`;
/** Archive entry name of a stored file. */
export const fileEntry = (storedPath: string) => `images/${storedPath}`;

/** A message for people: the archive is unusable, and nothing was changed. */
export class BadArchiveError extends UserError {
  constructor(reason: string) {
    super(`not a usable Waifudex backup: ${reason}; nothing was changed`, { code: 'bad_archive' });
  }
}
