import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureLocalChannel } from '@waifudex/core/repos/channels.repo';
import { editCharacterFields, findCharacterById } from '@waifudex/core/repos/characters.repo';
import { normalizeForSearch } from '@waifudex/core/captions/parse-caption';
import { reparseCaptions } from '@waifudex/core/services/reparse.service';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminHeaders } from '../testing/admin-session.js';
import { requireAdmin } from '../middleware/auth.js';
import { channelRoutes } from './channels.routes.js';

let s: TestServer;
let headers: Record<string, string>;
let channelId: string;
const ids: string[] = [];

// A channel whose own style ("Name ~ Anime ~ #id") no built-in family knows.
const captions = [
  'Nico Robin ~ One Piece ~ #0042',
  'Rem ~ Re:Zero ~ #7',
  'Saber ~ Fate/stay night ~ #0100',
  'just a picture',
];

beforeAll(async () => {
  s = await startTestServer({ routers: ({ db }) => [channelRoutes({ db, requireAdmin })] });
  const channel = await ensureLocalChannel(s.db, 'tilde channel');
  channelId = channel.id;
  for (const [i, caption] of captions.entries()) {
    ids.push(
      (
        await s.ingest.ingestImage({
          bytes: await generateDemoImage(40 + i, `c${i}`),
          caption,
          channel,
          messageId: i + 1,
        })
      ).characterId,
    );
  }
  headers = await adminHeaders(s);
});
afterAll(async () => s?.close());

const call = (method: string, path: string, body?: unknown, h = headers) =>
  fetch(`${s.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });

describe('channels to follow', () => {
  it('adds a channel by reference once, rejects nonsense, and can disable it', async () => {
    const add = await call('POST', '/api/v1/admin/channels', { ref: 'https://t.me/WaifuDrops' });
    expect(add.status).toBe(201);
    const { channel } = await add.json();
    expect(channel).toMatchObject({ ref: 'https://t.me/WaifuDrops', enabled: true, peer_id: null });
    expect(channel).not.toHaveProperty('access_hash');
    expect(channel).not.toHaveProperty('accessHash');
    expect((await call('POST', '/api/v1/admin/channels', { ref: 'https://t.me/WaifuDrops' })).status).toBe(409);
    const bad = await call('POST', '/api/v1/admin/channels', { ref: 'not a channel!' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_channel');
    const off = await call('PATCH', `/api/v1/admin/channels/${channel.id}`, { enabled: false });
    expect((await off.json()).channel.enabled).toBe(false);
  });
});

describe('channel caption templates', () => {
  it('requires an admin session and the CSRF token', async () => {
    expect(
      (
        await call(
          'POST',
          `/api/v1/admin/channels/${channelId}/template/preview`,
          { template: '{name}' },
          { 'content-type': 'application/json' },
        )
      ).status,
    ).toBe(401);
    const { 'x-csrf-token': _, ...noCsrf } = headers;
    expect(
      (await call('PUT', `/api/v1/admin/channels/${channelId}/parsing`, { caption_template: '{name}' }, noCsrf)).status,
    ).toBe(403);
  });

  it('previews a template against the stored captions of the channel', async () => {
    const res = await call('POST', `/api/v1/admin/channels/${channelId}/template/preview`, {
      template: '{name} ~ {anime} ~ #{source_id}',
    });
    expect(res.status).toBe(200);
    const p = await res.json();
    expect(p).toMatchObject({ total: 4, parsed: 3 });
    expect(p.failed.map((f: any) => f.caption)).toEqual(['just a picture']);
  });

  it('rejects an invalid template with a 400 and changes nothing', async () => {
    const res = await call('PUT', `/api/v1/admin/channels/${channelId}/parsing`, { caption_template: '/(unclosed/' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_template');
    expect(
      (await s.db.query('SELECT caption_template FROM channels WHERE id = $1', [channelId])).rows[0].caption_template,
    ).toBeNull();
    expect((await call('POST', '/api/v1/admin/channels/999/template/preview', { template: '{name}' })).status).toBe(
      404,
    );
  });

  it('saves the template and re-parses the channel, keeping a hand-edited name', async () => {
    await editCharacterFields(s.db, ids[1]!, { name: 'Rem (maid)' }, normalizeForSearch);
    const res = await call('PUT', `/api/v1/admin/channels/${channelId}/parsing`, {
      caption_template: '{name} ~ {anime} ~ #{source_id}',
      reparse: true,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).reparsed).toMatchObject({ scanned: 4 });
    const robin = await findCharacterById(s.db, ids[0]!);
    expect(robin).toMatchObject({
      name: 'Nico Robin',
      anime: 'One Piece',
      sourceId: '0042',
      captionFamily: 'template',
    });
    const rem = await findCharacterById(s.db, ids[1]!);
    expect(rem).toMatchObject({ name: 'Rem (maid)', anime: 'Re:Zero', sourceId: '7' });
    const plain = await findCharacterById(s.db, ids[3]!);
    expect(plain!.needsReview).toBe(true);
  });

  it('re-parse with overrideEdits restores the caption value', async () => {
    await reparseCaptions(s.db, { channelId, overrideEdits: true });
    expect((await findCharacterById(s.db, ids[1]!))!.name).toBe('Rem');
  });
});
