/**
 * `npm run migrate-embedded [-- --force]`: copies a gallery from an earlier version (PGlite, in
 * DATA_DIR/pglite) into the embedded PostgreSQL once. Images stay where they are (IMAGES_DIR).
 */
import { copyLegacyGallery } from '@waifudex/core/db/legacy-pglite';
import type { CommandContext } from '../context.js';
import { UserError } from '@waifudex/core/errors';
import { parseCommandLine } from '../cli/parse.js';

export default async function migrateEmbedded(args: string[], ctx: CommandContext): Promise<void> {
  const { opts: values } = parseCommandLine('migrate-embedded', args);
  if (ctx.db.kind !== 'embedded') {
    throw new UserError('migrate-embedded copies into the embedded database; unset DATABASE_URL');
  }
  const report = await copyLegacyGallery(ctx.db, ctx.config.dataDir, {
    force: values.force ?? false,
    onTable: (t, n) => ctx.progress.write(`copied ${t}: ${n}\n`),
  });
  console.log(JSON.stringify({ copied: report.tables }));
}
