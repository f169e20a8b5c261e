import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { ensureLocalChannel } from '@waifudex/core/repos/channels.repo';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { requireAdmin } from '../middleware/auth.js';
import { channelRoutes } from './channels.routes.js';

let s: TestServer;
let headers: Record<string, string>;
let channelId: string;
const CAPTIONS = [
  '🌸 Name: Rem\n📺 Anime: Re:Zero\n🆔 ID: 0007',
  '🌸 Name: Nico Robin\n📺 Anime: One Piece\n🆔 ID: 0042',
  'just a picture',
];

beforeAll(async () => {
  s = await startTestServer({ routers: ({ db }) => [channelRoutes({ db, requireAdmin })] });
  const channel = await ensureLocalChannel(s.db, 'labelled');
  channelId = channel.id;
  for (const [i, caption] of CAPTIONS.entries()) {
    await s.ingest.ingestImage({ bytes: await generateDemoImage(90 + i, `t${i}`), caption, channel, messageId: i + 1 });
  }
  await s.auth.setAdminPassword('admin', 'correct horse');
  const login = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct horse' }),
  });
  headers = { cookie: /wdx_session=[^;]+/.exec(login.headers.get('set-cookie')!)![0] };
});
afterAll(async () => s?.close());

describe('GET /api/v1/admin/channels/:id/template/proposals', () => {
  it('proposes the channel layout with its coverage (snake_case)', async () => {
    const res = await fetch(`${s.url}/api/v1/admin/channels/${channelId}/template/proposals`, { headers });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ total: 3, order: null, freeform_posts: expect.any(Number) });
    expect(body.proposals[0]).toMatchObject({
      template: '🌸 Name: {name}\n📺 Anime: {anime}\n🆔 ID: {source_id}',
      parsed: 2,
      total: 3,
      cluster_size: 2,
    });
    expect(body.proposals[0].coverage).toBeCloseTo(2 / 3, 3);
  });

  it('answers 401 without a session, 400 for a bad id and 404 for an unknown channel', async () => {
    expect((await fetch(`${s.url}/api/v1/admin/channels/${channelId}/template/proposals`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/v1/admin/channels/abc/template/proposals`, { headers })).status).toBe(400);
    expect((await fetch(`${s.url}/api/v1/admin/channels/999/template/proposals`, { headers })).status).toBe(404);
  });
});
