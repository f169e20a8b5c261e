/**
 * Outgoing webhooks against a local receiver: signature, retries with backoff, the delivery log, the
 * address guard, restarts, and events made outside the server (the triggers queue them in any process).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { testLogger } from '@waifudex/core/testing/test-db';
import { insertWebhook } from '@waifudex/core/repos/webhooks.repo';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { addCharacter, adminClient, type Client } from '../testing/visitor-client.js';
import { createWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.js';
import { verifySignature } from '../webhooks/sign.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let s: TestServer;
let admin: Client;
let receiver: http.Server;
let receiverUrl: string;
let received: Received[] = [];
/** Status codes the receiver answers, in turn (then 200). */
let answers: number[] = [];
const senders: WebhookSender[] = [];

beforeAll(async () => {
  s = await startTestServer();
  admin = await adminClient(s.url, s.auth.setAdminPassword);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=abc`;
});
afterEach(async () => {
  for (const x of senders.splice(0)) await x.stop();
  await s.db.query('DELETE FROM webhooks');
  received = [];
  answers = [];
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
  await s?.close();
});

function sender(o: Partial<Parameters<typeof createWebhookSender>[0]> = {}) {
  const x = createWebhookSender({
    db: s.db,
    logger: testLogger,
    publicUrl: 'https://gallery.example.org',
    backoffMs: () => 50,
    pollMs: 60,
    maxAttempts: 3,
    timeoutMs: 3000,
    ...o,
  });
  senders.push(x);
  return x;
}

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const register = (body: Record<string, unknown>) => admin.call('POST', '/api/v1/admin/webhooks', body);
const deliveries = async (id: string) => (await admin.json('GET', `/api/v1/admin/webhooks/${id}/deliveries`)).items;

describe('webhooks', () => {
  it('refuses a private target unless allowed explicitly; the secret is shown once', async () => {
    expect((await register({ url: receiverUrl, events: ['character.created'] })).status).toBe(400);
    expect((await register({ url: 'http://localhost:9/x', events: ['character.created'] })).status).toBe(400);
    expect((await register({ url: 'http://[::1]:9/x', events: ['character.created'] })).status).toBe(400);
    expect((await register({ url: 'ftp://example.org/x', events: ['character.created'] })).status).toBe(400);
    expect((await register({ url: 'https://example.org/x', events: ['nope'] })).status).toBe(400);
    expect((await register({ url: 'https://example.org/x', events: [] })).status).toBe(400);
    expect((await register({ url: 'https://user:pw@example.org/x', events: ['sync.finished'] })).status).toBe(400);
    const ok = await register({ url: receiverUrl, events: ['character.created'], allow_private: true });
    expect(ok.status).toBe(201);
    const { secret, webhook } = await ok.json();
    expect(secret).toMatch(/^whsec_/);
    const list = await admin.json('GET', '/api/v1/admin/webhooks');
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(list.items[0]).toMatchObject({ id: webhook.id, allow_private: true, enabled: true });
    expect((await admin.call('PATCH', `/api/v1/admin/webhooks/${webhook.id}`, { allow_private: false })).status).toBe(
      400,
    );
  });

  it('POSTs signed JSON for character.created, artwork.added and sync.finished, whoever made them', async () => {
    const { secret, webhook } = await (
      await register({
        url: receiverUrl,
        events: ['character.created', 'artwork.added', 'sync.finished'],
        allow_private: true,
      })
    ).json();
    // written straight to the database, as the sync worker or a CLI import does: the triggers queue the events
    const id = await addCharacter(s.db, {
      name: 'Hu Tao',
      anime: 'Genshin Impact',
      rarity: 'Legendary',
      sourceId: '2001',
    });
    await s.db.query(
      `INSERT INTO artworks (character_id, file_path, thumb_path, sha256, phash, width, height, bytes, mime)
       VALUES ($1, 'ab/hu tao.jpg', 'ab/hu tao.thumb.webp', 'f00', B'${'0'.repeat(64)}', 800, 1200, 12345, 'image/jpeg')`,
      [id],
    );
    const [run] = (await s.db.query(`INSERT INTO sync_runs (status) VALUES ('running') RETURNING id`)).rows.map(
      (r) => r.id,
    );
    await s.db.query(`UPDATE sync_runs SET status = 'ok', finished_at = now(), counts = '{"new": 1}' WHERE id = $1`, [
      run,
    ]);
    await s.db.query(`UPDATE sync_runs SET counts = '{"new": 2}' WHERE id = $1`, [run]); // no second event
    // rolled back: never sent
    await s.db
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO characters (name) VALUES ('Ghost')`);
        await tx.query('SELECT 1/0');
      })
      .catch(() => undefined);

    sender().start();
    await until(async () => received.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(3);
    // sent in parallel: put them in event order
    const ORDER = ['character.created', 'artwork.added', 'sync.finished'];
    received.sort(
      (a, b) =>
        ORDER.indexOf(String(a.headers['x-waifudex-event'])) - ORDER.indexOf(String(b.headers['x-waifudex-event'])),
    );
    const now = Math.floor(Date.now() / 1000);
    for (const r of received) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifySignature(secret, r.body, String(r.headers['x-waifudex-signature']), now)).toBe(true);
      expect(verifySignature(secret, r.body + ' ', String(r.headers['x-waifudex-signature']), now)).toBe(false);
      expect(verifySignature('whsec_other', r.body, String(r.headers['x-waifudex-signature']), now)).toBe(false);
      expect(verifySignature(secret, r.body, String(r.headers['x-waifudex-signature']), now + 3600)).toBe(false);
    }
    const bodies = received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.event)).toEqual(['character.created', 'artwork.added', 'sync.finished']);
    expect(received.map((r) => r.headers['x-waifudex-event'])).toEqual([
      'character.created',
      'artwork.added',
      'sync.finished',
    ]);
    expect(bodies[0].data).toMatchObject({
      id,
      name: 'Hu Tao',
      anime: 'Genshin Impact',
      source_id: '2001',
      page_url: `https://gallery.example.org/c/${id}`,
    });
    expect(bodies[1].data).toMatchObject({
      character_id: id,
      url: 'https://gallery.example.org/images/ab/hu%20tao.jpg',
      width: 800,
    });
    expect(bodies[1].data).not.toHaveProperty('file_path');
    expect(bodies[2].data).toMatchObject({ run_id: run, status: 'ok', counts: { new: 1 } });
    expect(String(received[0]!.headers['x-waifudex-delivery'])).toBe(bodies[0].id);
    const log = await deliveries(webhook.id);
    expect(log.map((d: any) => [d.event, d.status, d.attempts])).toEqual([
      ['sync.finished', 'delivered', 1],
      ['artwork.added', 'delivered', 1],
      ['character.created', 'delivered', 1],
    ]);
  });

  it('retries with backoff until the receiver takes it; gives up after the attempt budget; the admin redelivers', async () => {
    const { webhook } = await (
      await register({ url: receiverUrl, events: ['character.created'], allow_private: true })
    ).json();
    answers = [500, 503];
    sender().start();
    await addCharacter(s.db, { name: 'Rem' });
    const [ok] = await until(async () => {
      const d = await deliveries(webhook.id);
      return d[0]?.status === 'delivered' && d;
    });
    expect(ok.attempts).toBe(3);
    expect(ok.log.map((a: any) => a.status_code)).toEqual([500, 503, 200]);
    expect(ok.log[0].error).toBe('HTTP 500');

    answers = [500, 500, 500];
    await addCharacter(s.db, { name: 'Ram' });
    const [failed] = await until(async () => {
      const d = await deliveries(webhook.id);
      return d[0]?.status === 'failed' && d;
    });
    expect(failed.attempts).toBe(3);
    expect(received.length).toBe(6);
    expect((await admin.call('POST', `/api/v1/admin/webhooks/deliveries/${failed.id}/redeliver`)).status).toBe(202);
    await until(async () => (await deliveries(webhook.id))[0]?.status === 'delivered');
    expect((await admin.call('POST', `/api/v1/admin/webhooks/deliveries/${failed.id}/redeliver`)).status).toBe(404);
  });

  it('a host name that resolves to a private address is refused at connect time, nothing reaches the receiver', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const w = await insertWebhook(s.db, {
      url: `http://localhost:${port}/hook`,
      secret: 'whsec_x',
      events: ['character.created'],
      description: '',
      allowPrivate: false,
    });
    sender({ maxAttempts: 1 }).start();
    await addCharacter(s.db, { name: 'Emilia' });
    const [d] = await until(async () => {
      const list = await deliveries(w.id);
      return list[0]?.status === 'failed' && list;
    });
    expect(d.last_error).toMatch(/private or loopback address refused/);
    expect(received).toEqual([]);
  });

  it('survives a restart: queued while no sender runs, and a delivery held by a crashed sender, are both sent', async () => {
    const { webhook } = await (
      await register({ url: receiverUrl, events: ['character.created'], allow_private: true })
    ).json();
    await addCharacter(s.db, { name: 'Queued While Down' });
    await addCharacter(s.db, { name: 'Held By A Crash' });
    // a sender died mid-send: attempt counted, lease still running out
    await s.db.query(
      `UPDATE webhook_deliveries SET attempts = 1, locked_until = now() + interval '1 second' WHERE data->>'name' = 'Held By A Crash'`,
    );
    sender().start();
    await until(async () => received.length >= 2, 15_000);
    expect(received.map((r) => JSON.parse(r.body).data.name).sort()).toEqual(['Held By A Crash', 'Queued While Down']);
    // the receiver answers before the sender records the delivery: wait for both rows, then check them
    const log = await until(async () => {
      const list = await deliveries(webhook.id);
      return list.length === 2 && list.every((d: any) => d.status !== 'pending') && list;
    });
    expect(log.map((d: any) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it("the admin's test delivery and a disabled webhook", async () => {
    const { webhook } = await (
      await register({ url: receiverUrl, events: ['character.created'], allow_private: true })
    ).json();
    sender().start();
    expect((await admin.call('POST', `/api/v1/admin/webhooks/${webhook.id}/test`)).status).toBe(202);
    await until(async () => received.length === 1);
    expect(JSON.parse(received[0]!.body).event).toBe('ping');
    await admin.json('PATCH', `/api/v1/admin/webhooks/${webhook.id}`, { enabled: false });
    await addCharacter(s.db, { name: 'Not Sent' });
    // a redelivery queued while it is off waits for it to be on again
    const [ping] = await deliveries(webhook.id);
    await s.db.query(`UPDATE webhook_deliveries SET status = 'failed' WHERE id = $1`, [ping.id]);
    expect((await admin.call('POST', `/api/v1/admin/webhooks/deliveries/${ping.id}/redeliver`)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 400));
    expect(received).toHaveLength(1);
    await admin.json('PATCH', `/api/v1/admin/webhooks/${webhook.id}`, { enabled: true });
    await until(async () => received.length === 2);
    expect(JSON.parse(received[1]!.body).event).toBe('ping');
    expect((await admin.call('DELETE', `/api/v1/admin/webhooks/${webhook.id}`)).status).toBe(204);
    expect((await admin.call('GET', `/api/v1/admin/webhooks/${webhook.id}/deliveries`)).status).toBe(404);
  });
});
