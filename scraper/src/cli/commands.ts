/**
 * Every scraper command's command line, in one table: arguments, options and their validation. Light on
 * purpose (no database, no GramJS): main.ts parses a whole command line with it before the config or the
 * database is opened, and each command module parses its own arguments with the same definition.
 */
import { Argument, Command, Option } from '@commander-js/extra-typings';
import { collect, databaseId, intBetween, positiveInt, telegramChannelId } from './values.js';

export const commands = {
  admin: () =>
    new Command('admin')
      .summary('create an admin or reset its password')
      .description(
        'Creates an admin or resets its password (ending its sessions). The password is asked on the terminal ' +
          'without echo, or read from piped stdin; never from the command line.',
      )
      .addArgument(new Argument('<action>', 'what to do').choices(['set-password'] as const))
      .argument('[username]', 'the admin (default: ADMIN_USERNAME)')
      .option('--create', 'create the admin if there is none of that name (needed when stdin is piped)'),
  backup: () =>
    new Command('backup')
      .summary('write one archive of the gallery (rows, images, manifest)')
      .option(
        '-o, --out <file>',
        'the archive (default waifudex-backup-<UTC time>.tar.gz; .tar = uncompressed; - = stdout)',
      ),
  bot: () => new Command('bot').summary('run the Telegram bot (TELEGRAM_BOT_TOKEN); long polling, or a webhook'),
  embed: () =>
    new Command('embed')
      .summary('back-fill CLIP embeddings (CLIP_MODEL) of artworks that have none')
      .option('--all', 'recompute every artwork')
      .option('--limit <n>', 'embed at most N artworks', positiveInt),
  'import-dir': () =>
    new Command('import-dir')
      .summary('import every image in a folder, each with the caption of a sidecar NAME.txt')
      .argument('<dir>', 'the folder')
      .option('-r, --recursive', 'include sub-folders')
      .option('--concurrency <n>', 'images at once, 1 … 8 (default: two per core)', intBetween(1, 8)),
  'import-export': () =>
    new Command('import-export')
      .summary('import a Telegram Desktop export (JSON or HTML, one channel or a whole account)')
      .argument('<path>', 'the export folder (or its result.json)')
      .option('--chat <name|id>', 'only this chat of a full-account export (repeatable)', collect, [] as string[])
      .option('--channel-id <id>', "the channel's id (needed for HTML exports)", telegramChannelId)
      .option('--dry-run', 'show what would be imported, change nothing')
      .option('--rescan', 'read every message again, not only the ones after the last import'),
  login: () =>
    new Command('login')
      .summary('log in to Telegram as a user once; the session is stored encrypted')
      .option('--qr', 'log in by scanning a QR code in the Telegram app')
      .addOption(new Option('--status', 'show the stored session').conflicts('logout'))
      .option('--logout', 'remove the stored session'),
  'migrate-embedded': () =>
    new Command('migrate-embedded')
      .summary('copy a gallery of an earlier version (DATA_DIR/pglite) into the embedded PostgreSQL')
      .option('--force', 'copy even when the database already holds a gallery'),
  reindex: () =>
    new Command('reindex')
      .summary('recompute stale reverse-search signatures, then make missing thumbnails')
      .option('--all', 'recompute every artwork'),
  reparse: () =>
    new Command('reparse')
      .summary('re-parse stored captions with the current parser and channel templates')
      .option('--channel <id>', 'only this channel (its id in the gallery)', databaseId)
      .option('--override-edits', 'replace hand-edited fields too')
      .option('--dry-run', 'count the changes, write nothing'),
  restore: () =>
    new Command('restore')
      .summary('bring a backup into an empty install (stop the server and the worker first)')
      .argument('<archive>', 'the archive of `backup` (- = stdin)')
      .option('--force', 'replace a gallery that is already there'),
  'seed-demo': () =>
    new Command('seed-demo')
      .summary('a small sample gallery for newcomers')
      .argument('[count]', 'how many images', positiveInt, 36),
  'storage-migrate': () =>
    new Command('storage-migrate')
      .summary('copy every stored image between IMAGES_DIR and an S3 bucket (resumable, verified)')
      .addOption(new Option('--from <store>', 'the source').choices(['local', 's3'] as const).makeOptionMandatory())
      .addOption(new Option('--to <store>', 'the destination').choices(['local', 's3'] as const).makeOptionMandatory())
      .option('--s3 <url>', 'the bucket, s3://bucket/prefix (default: IMAGES_STORE)')
      .option('--concurrency <n>', 'copies at once, 1 … 16', intBetween(1, 16), 4),
  sync: () =>
    new Command('sync')
      .summary('sync the configured channels once and exit (exit code 1 when one failed)')
      .option('--channel <ref>', 'only this channel: @name, a t.me link or an id')
      .option('--dry-run', 'show what would be imported, change nothing')
      .option('--limit <n>', 'with --dry-run: read at most N messages per channel', positiveInt),
  worker: () =>
    new Command('worker')
      .summary('scheduled sync (SYNC_CRON), "sync now" from the admin panel, live updates with LIVE=1')
      .option('--no-initial-sync', 'wait for the schedule instead of syncing at start'),
} satisfies Record<string, () => Command<unknown[], Record<string, unknown>>>;

export type CommandName = keyof typeof commands;
