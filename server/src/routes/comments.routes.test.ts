/** Comments: off by default, pending until approved, length-capped, rate-limited, returned as plain text. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { addCharacter, adminClient, signUp, type Client } from '../testing/visitor-client.js';

let s: TestServer;
let admin: Client;
let v: Client;
let id: string;
beforeAll(async () => {
  s = await startTestServer({ app: { registration: 'open', signupsPerHour: 1000 } });
  admin = await adminClient(s.url, s.auth.setAdminPassword);
  v = await signUp(s.url, 'alice');
  id = await addCharacter(s.db, { name: 'Rem', anime: 'Re:Zero' });
});
afterAll(() => s?.close());

const publicList = async () => (await fetch(`${s.url}/api/v1/characters/${id}/comments`)).json();

describe('comments', () => {
  it('are off by default: nothing can be posted', async () => {
    expect(await publicList()).toEqual({ enabled: false, items: [] });
    expect((await v.call('POST', `/api/v1/characters/${id}/comments`, { body: 'hi' })).status).toBe(403);
    expect((await s.db.query('SELECT count(*)::int AS n FROM character_comments')).rows[0].n).toBe(0);
  });

  it('wait for approval, then show as the text that was sent (markup is not interpreted)', async () => {
    await admin.json('PUT', '/api/v1/admin/visitors/settings', { registration: 'open', comments: true });
    const text = '<script>alert(1)</script> best girl & <b>more</b>';
    const posted = await v.call('POST', `/api/v1/characters/${id}/comments`, { body: `  ${text}  ` });
    expect(posted.status).toBe(201);
    const c = await posted.json();
    expect(c).toMatchObject({ status: 'pending', body: text, username: 'alice' });
    expect((await publicList()).items).toEqual([]);
    const queue = await admin.json('GET', '/api/v1/admin/comments');
    expect(queue.items.map((i: any) => i.id)).toEqual([c.id]);
    expect((await admin.json('POST', `/api/v1/admin/comments/${c.id}/approve`)).status).toBe('approved');
    const shown = await fetch(`${s.url}/api/v1/characters/${id}/comments`);
    expect(shown.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await shown.json()).items.map((i: any) => i.body)).toEqual([text]);
    expect((await admin.json('GET', '/api/v1/admin/comments')).items).toEqual([]);
    expect((await admin.call('DELETE', `/api/v1/admin/comments/${c.id}`)).status).toBe(204);
    expect((await publicList()).items).toEqual([]);
    expect((await admin.call('DELETE', `/api/v1/admin/comments/${c.id}`)).status).toBe(404);
  });

  it('refuses empty, too long or NUL text and unknown characters with a 4xx', async () => {
    for (const body of [
      { body: '' },
      { body: '   ' },
      { body: 'x'.repeat(1001) },
      { body: 'a\u0000b' },
      { text: 'x' },
      {},
    ]) {
      expect((await v.call('POST', `/api/v1/characters/${id}/comments`, body)).status).toBe(400);
    }
    expect((await v.call('POST', '/api/v1/characters/999999/comments', { body: 'hi' })).status).toBe(404);
    expect(
      (
        await fetch(`${s.url}/api/v1/characters/${id}/comments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"body":"hi"}',
        })
      ).status,
    ).toBe(401);
  });

  it('are rate-limited per visitor (five per ten minutes), and go with their author', async () => {
    const b = await signUp(s.url, 'bob');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await b.call('POST', `/api/v1/characters/${id}/comments`, { body: `comment ${i}` })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect((await v.call('POST', `/api/v1/characters/${id}/comments`, { body: 'alice still may' })).status).toBe(201);
    await b.json('PUT', `/api/v1/me/likes/${id}`);
    const overview = await admin.json('GET', '/api/v1/admin/visitors');
    const bob = overview.visitors.find((x: any) => x.username === 'bob');
    expect(bob).toMatchObject({ comments: 5, likes: 1 });
    expect((await admin.call('DELETE', `/api/v1/admin/visitors/${bob.id}`)).status).toBe(204);
    expect((await admin.json('GET', '/api/v1/admin/comments')).items.map((i: any) => i.username)).toEqual(['alice']);
    expect((await fetch(`${s.url}/api/v1/characters?per_page=1`).then((r) => r.json())).items[0].likes).toBe(0);
    expect((await b.call('GET', '/api/v1/me/marks')).status).toBe(401);
  });
});
