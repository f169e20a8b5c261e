/**
 * A character imported by the scraper CLI in its own process (as the sync worker does) reaches a webhook:
 * the database trigger queues it, the server's sender delivers it, signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Db } from '@waifudex/core/db/database';
import { createTestDatabase, testLogger } from '@waifudex/core/testing/test-db';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { insertWebhook } from '@waifudex/core/repos/webhooks.repo';
import { createWebhookSender } from './webhook-sender.js';
import { verifySignature } from './sign.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scraperMain = path.join(repo, 'scraper/dist/main.js');

describe.skipIf(!fs.existsSync(scraperMain))('webhooks for changes made by another process', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let url: string;
  let dir: string;
  let receiver: http.Server;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase());
    db = await openDatabase({ databaseUrl: url, dataDir: '', logger: testLogger });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wdx-hook-xp-'));
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => receiver.close(r));
    await db?.close();
    await drop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'an import-dir run of the scraper CLI queues character.created and artwork.added, and the sender delivers them',
    { timeout: 120_000 },
    async () => {
      const port = (receiver.address() as AddressInfo).port;
      await insertWebhook(db, {
        url: `http://127.0.0.1:${port}/in`,
        secret: 'whsec_cross',
        events: ['character.created', 'artwork.added'],
        description: '',
        allowPrivate: true,
      });
      const images = path.join(dir, 'in');
      fs.mkdirSync(images);
      fs.writeFileSync(path.join(images, 'rem.png'), await generateDemoImage(2, 'Rem'));
      fs.writeFileSync(
        path.join(images, 'rem.txt'),
        '🌸 Name: Rem\n📺 Anime: Re:Zero\n🟡 Rarity: Legendary\n🆔 ID: 102',
      );
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [scraperMain, 'import-dir', images], {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: url,
            DATA_DIR: path.join(dir, 'data'),
            IMAGES_DIR: path.join(dir, 'images'),
            LOG_LEVEL: 'warn',
          },
          stdio: 'ignore',
        });
        child.on('close', resolve);
      });
      expect(code).toBe(0);
      const sender = createWebhookSender({ db, logger: testLogger, pollMs: 100 });
      sender.start();
      try {
        for (let i = 0; i < 200 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      } finally {
        await sender.stop();
      }
      const events = received.map((r) => JSON.parse(r.body)).sort((a, b) => a.event.localeCompare(b.event));
      expect(events.map((e) => e.event)).toEqual(['artwork.added', 'character.created']);
      expect(events[1].data).toMatchObject({ name: 'Rem', anime: 'Re:Zero', source_id: '102' });
      expect(events[0].data.url).toMatch(/^\/images\//);
      for (const r of received)
        expect(
          verifySignature(
            'whsec_cross',
            r.body,
            String(r.headers['x-waifudex-signature']),
            Math.floor(Date.now() / 1000),
          ),
        ).toBe(true);
    },
  );
});
