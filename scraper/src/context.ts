/** What every scraper command receives: the same core services the server uses, wired once. */
import type { Config } from '@waifudex/core/config/env';
import type { Db } from '@waifudex/core/db/database';
import type { Logger } from '@waifudex/core/logger';
import type { IngestService } from '@waifudex/core/services/ingest.service';
import type { ImageStore } from '@waifudex/core/services/image-store';

export interface CommandContext {
  config: Config;
  db: Db;
  logger: Logger;
  ingest: IngestService;
  /** The configured image store (IMAGES_STORE: the local folder or S3). */
  images: ImageStore;
  /** Where progress lines go (stderr, so stdout stays clean for data). */
  progress: NodeJS.WriteStream;
}

/** A command module's default export. */
export type Command = (args: string[], ctx: CommandContext) => Promise<void>;
