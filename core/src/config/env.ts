/**
 * The one place that reads process.env. Parsed once by each entry point and passed down.
 * Errors name the variable and never echo a secret.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import path from 'node:path';
import type { S3StoreConfig } from '../storage/s3-image-store.js';
import { UserError } from '../errors.js';

const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const intIn = (min: number, max: number, def: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? def : Number(v)), z.number().int().min(min).max(max));
const bool = (def: boolean) =>
  z.preprocess((v) => {
    if (v === undefined || v === '') return def;
    if (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(0|false|no|off)$/i.test(v)) return false;
    return v;
  }, z.boolean());

const envSchema = z.object({
  /** Connection string of a real PostgreSQL server; unset → the embedded PostgreSQL in DATA_DIR. */
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  /** Folder for the embedded database and other local state. */
  DATA_DIR: z.string().default('./data'),
  /** Folder where original images and thumbnails are stored. */
  IMAGES_DIR: z.string().default('./images'),
  /** Where images are stored: unset or `local` = IMAGES_DIR; `s3://bucket/prefix` = an S3-compatible bucket (S3_* below). */
  IMAGES_STORE: optionalString.pipe(
    z
      .string()
      .regex(
        /^(local|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9!_.*'()/-]*)?)$/,
        'must be local or s3://bucket/prefix',
      )
      .optional(),
  ),
  /** Endpoint of an S3-compatible service (MinIO, R2, Garage); unset = AWS S3. */
  S3_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** Region of the bucket (R2: auto). */
  S3_REGION: z.string().default('us-east-1'),
  /** Credentials; unset = the AWS SDK's default chain (AWS_* env, shared files, instance role). */
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  /** Bucket in the URL path instead of the host name (MinIO and most self-hosted servers need this). */
  S3_FORCE_PATH_STYLE: bool(false),
  /** How /images is answered from S3: `redirect` to a signed URL (default) or `proxy` the bytes through the server. */
  S3_SERVE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['redirect', 'proxy']).default('redirect')),
  /** HTTP port of the server. */
  PORT: intIn(0, 65535, 8080),
  /** Interface the server binds to. */
  HOST: z.string().default('0.0.0.0'),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted upload in bytes. */
  MAX_UPLOAD_BYTES: intIn(1024, 200 * 1024 * 1024, 25 * 1024 * 1024),
  /** Largest accepted image in pixels (decompression-bomb guard). */
  MAX_IMAGE_PIXELS: intIn(1, 1_000_000_000, 50_000_000),
  /** Telegram API credentials (my.telegram.org); both or neither. */
  TELEGRAM_API_ID: optionalString.pipe(z.string().regex(/^\d+$/, 'must be a number').optional()),
  TELEGRAM_API_HASH: optionalString.pipe(
    z
      .string()
      .regex(/^[0-9a-f]{32}$/i, 'must be 32 hex characters')
      .optional(),
  ),
  /** Channels to follow: usernames, t.me links or numeric ids, comma-separated. */
  TELEGRAM_CHANNELS: z.string().default(''),
  /** Optional proxy for Telegram: socks5://[user:pass@]host:port (GramJS speaks SOCKS4/5 only). */
  TELEGRAM_PROXY: optionalString.pipe(
    z
      .string()
      .regex(/^socks[45]:\/\/.+:\d+/, 'must be socks5://host:port (Telegram clients support SOCKS proxies only)')
      .optional(),
  ),
  /** Seconds any one Telegram call (connect, request) may take before it counts as unreachable; downloads get 4×. */
  TELEGRAM_TIMEOUT_SECONDS: intIn(1, 3600, 30),
  /** Secret that encrypts the stored Telegram session; generated into DATA_DIR when unset. */
  SESSION_SECRET: optionalString,
  /** Cron expression of the scheduled sync. */
  SYNC_CRON: z.string().default('*/30 * * * *'),
  /** Messages fetched per request. */
  SYNC_BATCH_SIZE: intIn(1, 100, 100),
  /** Parallel downloads. */
  SYNC_CONCURRENCY: intIn(1, 16, 3),
  /** Days re-read for edits and deletions. */
  SYNC_RECHECK_DAYS: intIn(0, 3650, 7),
  /** Subscribe to live updates in the worker. */
  LIVE: bool(false),
  /** Run the sync worker inside the server process (embedded default when Telegram is configured). */
  EMBEDDED_WORKER: bool(true),
  /** Days a deleted character stays in the trash (undo) before the server's purge removes it and its files. */
  TRASH_RETENTION_DAYS: intIn(0, 3650, 30),
  /** First-run admin; created at start when no admin exists. */
  ADMIN_USERNAME: z.string().default('admin'),
  ADMIN_PASSWORD: optionalString,
  /** Optional CLIP model (folder or hub id) for "similar artwork" suggestions. */
  CLIP_MODEL: optionalString,
  /**
   * Which X-Forwarded-* senders to believe, as Express's `trust proxy`: `false` (default, no proxy),
   * `1` for one reverse proxy in front (the usual Caddy/nginx/Traefik set-up), a hop count, or the proxy's
   * addresses/subnets (`127.0.0.1,10.0.0.0/8`, `loopback`). `true` trusts every hop, so any client can pick
   * its own address with X-Forwarded-For and escape the per-address limits: use it only if the proxy strips that header.
   */
  TRUST_PROXY: z.string().default('false').transform(parseTrustProxy),
  /** Public URL of the site behind a proxy that rewrites Host (e.g. https://gallery.example.org); admin writes must come from it. */
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** Origins allowed to call the API from a browser (CORS), comma-separated; empty = off. */
  CORS_ORIGINS: z.string().default(''),
  /** Image searches per address (or API token) and minute. */
  SEARCH_RATE_LIMIT: intIn(1, 100_000, 20),
  /** Image decodes/verifications at once; the rest wait in a short queue. */
  IMAGE_WORK_CONCURRENCY: intIn(1, 64, 2),
  /** Image jobs that may wait for a slot; beyond that the server answers 503. */
  IMAGE_WORK_QUEUE: intIn(0, 1000, 8),
  /** Worker threads that decode, hash and thumbnail stored images; unset = one per core, 0 = on the main thread. */
  IMAGE_THREADS: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : Number(v)),
    z.number().int().min(0).max(64).optional(),
  ),
  /** Telegram bot token from @BotFather; the `bot` command runs the bot when it is set. */
  TELEGRAM_BOT_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]{30,}$/, 'must look like 123456:ABC… (the token @BotFather gives)')
      .optional(),
  ),
  /** Webhook URL behind the proxy (https://…/telegram-bot); unset → long polling. */
  TELEGRAM_BOT_WEBHOOK_URL: optionalString.pipe(
    z
      .string()
      .regex(/^https:\/\/.+/, 'must start with https:// (Telegram only calls HTTPS webhooks)')
      .optional(),
  ),
  /** Local port the webhook listener binds to. */
  TELEGRAM_BOT_WEBHOOK_PORT: intIn(1, 65535, 8081),
  /** Picture searches per user per minute. */
  TELEGRAM_BOT_USER_RATE: intIn(1, 1000, 10),
  /** Automatic answers per group per minute. */
  TELEGRAM_BOT_GROUP_RATE: intIn(1, 1000, 6),
  /** Visitor accounts: closed (default), invite (by the admin's invite links) or open; the admin panel can change it. */
  REGISTRATION: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['closed', 'invite', 'open']).default('closed')),
});

/** TRUST_PROXY text → the value of Express's `trust proxy` setting. */
function parseTrustProxy(v: string): boolean | number | string {
  const s = v.trim();
  if (s === '' || /^(0|false|no|off)$/i.test(s)) return false;
  if (/^(true|yes|on)$/i.test(s)) return true;
  if (/^\d+$/.test(s)) return Number(s);
  return s;
}

export type Env = z.infer<typeof envSchema>;

/** Typed configuration derived from the environment. */
export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  imagesDir: string;
  /** The image store; `local` lives in imagesDir. */
  imageStore: ImageStoreConfig;
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  maxUploadBytes: number;
  maxImagePixels: number;
  telegram: {
    apiId: number | undefined;
    apiHash: string | undefined;
    channels: string[];
    proxy: string | undefined;
    timeoutMs: number;
  };
  sessionSecret: string | undefined;
  sync: {
    cron: string;
    batchSize: number;
    concurrency: number;
    recheckDays: number;
    live: boolean;
    embeddedWorker: boolean;
  };
  admin: { username: string; password: string | undefined };
  trashRetentionDays: number;
  clipModel: string | undefined;
  /** Express `trust proxy` value (see TRUST_PROXY). */
  trustProxy: boolean | number | string;
  publicUrl: string | undefined;
  corsOrigins: string[];
  searchRateLimitPerMinute: number;
  imageWork: { concurrency: number; queue: number };
  /** Image-pool worker threads (undefined: one per core; 0: none). */
  imageThreads: number | undefined;
  bot: {
    token: string | undefined;
    webhookUrl: string | undefined;
    webhookPort: number;
    userPerMinute: number;
    groupPerMinute: number;
  };
  visitors: { registration: 'closed' | 'invite' | 'open' };
}

export type ImageStoreConfig =
  { kind: 'local'; dir: string } | { kind: 's3'; s3: S3StoreConfig; serve: 'redirect' | 'proxy' };

/** Thrown for a bad environment; the message is one line naming the variable. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
}

/** Parses an environment (default process.env) into Config or throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const e = parsed.data;
  if (Boolean(e.TELEGRAM_API_ID) !== Boolean(e.TELEGRAM_API_HASH)) {
    throw new ConfigError('Invalid configuration: TELEGRAM_API_ID and TELEGRAM_API_HASH must be set together');
  }
  try {
    // the worker's scheduler parses it here, so a bad value stops start-up instead of the first sync
    new Cron(e.SYNC_CRON, { paused: true }).stop();
  } catch (err) {
    throw new ConfigError(
      `Invalid configuration: SYNC_CRON is not a 5 or 6 field cron expression (${(err as Error).message})`,
    );
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    imagesDir: path.resolve(e.IMAGES_DIR),
    imageStore: imageStoreConfig(e),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    telegram: {
      apiId: e.TELEGRAM_API_ID ? Number(e.TELEGRAM_API_ID) : undefined,
      apiHash: e.TELEGRAM_API_HASH,
      channels: e.TELEGRAM_CHANNELS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      proxy: e.TELEGRAM_PROXY,
      timeoutMs: e.TELEGRAM_TIMEOUT_SECONDS * 1000,
    },
    sessionSecret: e.SESSION_SECRET,
    sync: {
      cron: e.SYNC_CRON,
      batchSize: e.SYNC_BATCH_SIZE,
      concurrency: e.SYNC_CONCURRENCY,
      recheckDays: e.SYNC_RECHECK_DAYS,
      live: e.LIVE,
      embeddedWorker: e.EMBEDDED_WORKER,
    },
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    trashRetentionDays: e.TRASH_RETENTION_DAYS,
    clipModel: e.CLIP_MODEL,
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : undefined,
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    searchRateLimitPerMinute: e.SEARCH_RATE_LIMIT,
    imageWork: { concurrency: e.IMAGE_WORK_CONCURRENCY, queue: e.IMAGE_WORK_QUEUE },
    imageThreads: e.IMAGE_THREADS,
    bot: {
      token: e.TELEGRAM_BOT_TOKEN,
      webhookUrl: e.TELEGRAM_BOT_WEBHOOK_URL,
      webhookPort: e.TELEGRAM_BOT_WEBHOOK_PORT,
      userPerMinute: e.TELEGRAM_BOT_USER_RATE,
      groupPerMinute: e.TELEGRAM_BOT_GROUP_RATE,
    },
    visitors: { registration: e.REGISTRATION },
  };
}

function imageStoreConfig(e: Env): ImageStoreConfig {
  if (!e.IMAGES_STORE || e.IMAGES_STORE === 'local') return { kind: 'local', dir: path.resolve(e.IMAGES_DIR) };
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('Invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  }
  const [bucket, ...rest] = e.IMAGES_STORE.slice('s3://'.length).split('/');
  return {
    kind: 's3',
    s3: {
      bucket: bucket!,
      prefix: rest.join('/').replace(/^\/+|\/+$/g, ''),
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
    },
    serve: e.S3_SERVE,
  };
}

/** Loads `.env` from the working directory (if present) without overriding real env vars. */
export async function loadDotEnv(): Promise<void> {
  const { config } = await import('dotenv');
  config({ quiet: true });
}
