import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.js';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment (embedded database, port 8080)', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.port).toBe(8080);
    expect(c.sync).toMatchObject({ batchSize: 100, concurrency: 3, cron: '*/30 * * * *', live: false });
    expect(c.telegram.channels).toEqual([]);
  });

  it('parses lists, numbers and booleans', () => {
    const c = loadConfig({
      PORT: '9000',
      TELEGRAM_CHANNELS: ' @a, https://t.me/b ,,-100123',
      LIVE: 'yes',
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: 'a'.repeat(32),
    });
    expect(c.port).toBe(9000);
    expect(c.telegram.channels).toEqual(['@a', 'https://t.me/b', '-100123']);
    expect(c.sync.live).toBe(true);
    expect(c.telegram.apiId).toBe(12345);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LIVE: 'maybe' }, 'LIVE'],
    [{ TELEGRAM_API_ID: '1' }, 'TELEGRAM_API_ID'],
    [{ TELEGRAM_API_ID: 'abc', TELEGRAM_API_HASH: 'a'.repeat(32) }, 'TELEGRAM_API_ID'],
    [{ SYNC_CRON: 'every hour' }, 'SYNC_CRON'],
    [{ SYNC_CRON: '61 * * * *' }, 'SYNC_CRON'],
    [{ SYNC_BATCH_SIZE: '500' }, 'SYNC_BATCH_SIZE'],
    [{ IMAGE_THREADS: 'all' }, 'IMAGE_THREADS'],
    [{ IMAGE_THREADS: '-1' }, 'IMAGE_THREADS'],
    [{ IMAGE_THREADS: '1.5' }, 'IMAGE_THREADS'],
  ])('rejects %j with one line naming %s', (env, name) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(name);
    expect((err as Error).message).not.toContain('\n');
  });

  it('never echoes a database password in its error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).toThrow(/^(?!.*hunter2)/);
  });

  it('reads the Telegram bot settings and never echoes a bad token', () => {
    expect(loadConfig({}).bot).toEqual({
      token: undefined,
      webhookUrl: undefined,
      webhookPort: 8081,
      userPerMinute: 10,
      groupPerMinute: 6,
    });
    const c = loadConfig({
      TELEGRAM_BOT_TOKEN: '123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0',
      PUBLIC_URL: 'https://dex.example.org/',
      TELEGRAM_BOT_USER_RATE: '3',
    });
    expect(c.bot).toMatchObject({ token: '123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0', userPerMinute: 3 });
    expect(c.publicUrl).toBe('https://dex.example.org');
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'secret-but-wrong' })).toThrow(
      /^Invalid configuration: TELEGRAM_BOT_TOKEN (?!.*secret-but-wrong)/,
    );
    expect(() => loadConfig({ TELEGRAM_BOT_WEBHOOK_URL: 'http://plain.example.org/hook' })).toThrow(
      /TELEGRAM_BOT_WEBHOOK_URL/,
    );
    expect(() => loadConfig({ PUBLIC_URL: 'dex.example.org' })).toThrow(/PUBLIC_URL/);
  });
});

describe('HTTP settings', () => {
  it.each([
    ['', false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['true', true],
    ['loopback', 'loopback'],
    ['127.0.0.1,10.0.0.0/8', '127.0.0.1,10.0.0.0/8'],
  ] as const)('TRUST_PROXY=%s is Express trust proxy %s', (v, expected) => {
    expect(loadConfig({ TRUST_PROXY: v }).trustProxy).toBe(expected);
  });

  it('PUBLIC_URL becomes an origin; CORS_ORIGINS a list; limits have defaults', () => {
    const c = loadConfig({
      PUBLIC_URL: 'https://gallery.example.org/some/path',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(c.publicUrl).toBe('https://gallery.example.org');
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.searchRateLimitPerMinute).toBe(20);
    expect(c.imageWork).toEqual({ concurrency: 2, queue: 8 });
    // unset: the image pool picks one thread per core; 0 keeps the work on the main thread
    expect(c.imageThreads).toBeUndefined();
    expect(loadConfig({ IMAGE_THREADS: '' }).imageThreads).toBeUndefined();
    expect(loadConfig({ IMAGE_THREADS: '0' }).imageThreads).toBe(0);
    expect(loadConfig({ IMAGE_THREADS: '3' }).imageThreads).toBe(3);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://x' })).toThrow(/PUBLIC_URL/);
  });
});

describe('image store settings', () => {
  it('defaults to the local IMAGES_DIR; s3://bucket/prefix selects S3 with the S3_* settings', () => {
    expect(loadConfig({ IMAGES_DIR: '/srv/img' }).imageStore).toEqual({ kind: 'local', dir: '/srv/img' });
    expect(loadConfig({ IMAGES_STORE: 'local', IMAGES_DIR: '/srv/img' }).imageStore).toEqual({
      kind: 'local',
      dir: '/srv/img',
    });
    const c = loadConfig({
      IMAGES_STORE: 's3://waifu-bucket/site/images/',
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY_ID: 'AKID',
      S3_SECRET_ACCESS_KEY: 'very-secret',
      S3_FORCE_PATH_STYLE: 'true',
      S3_SERVE: 'proxy',
    });
    expect(c.imageStore).toEqual({
      kind: 's3',
      s3: {
        bucket: 'waifu-bucket',
        prefix: 'site/images',
        endpoint: 'http://minio:9000',
        region: 'us-east-1',
        accessKeyId: 'AKID',
        secretAccessKey: 'very-secret',
        forcePathStyle: true,
      },
      serve: 'proxy',
    });
    expect(loadConfig({ IMAGES_STORE: 's3://bucket' }).imageStore).toMatchObject({
      s3: { bucket: 'bucket', prefix: '', endpoint: undefined, forcePathStyle: false },
      serve: 'redirect',
    });
  });

  it.each([
    [{ IMAGES_STORE: 'gs://bucket' }, /IMAGES_STORE/],
    [{ IMAGES_STORE: 's3://' }, /IMAGES_STORE/],
    [{ IMAGES_STORE: 's3://Bad_Bucket' }, /IMAGES_STORE/],
    [
      { IMAGES_STORE: 's3://bucket', S3_ACCESS_KEY_ID: 'AKID', S3_SECRET_ACCESS_KEY: '' },
      /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/,
    ],
    [{ S3_SERVE: 'cdn' }, /S3_SERVE/],
    [{ S3_ENDPOINT: 'minio:9000' }, /S3_ENDPOINT/],
  ])('refuses %j with one line naming the variable (never the secret)', (env, re) => {
    expect(() => loadConfig({ S3_SECRET_ACCESS_KEY: 'hunter2-secret', ...env })).toThrow(re);
    try {
      loadConfig({ S3_SECRET_ACCESS_KEY: 'hunter2-secret', ...env });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});
