import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoImage } from '@waifudex/core/images/demo-images';
import { formatGuess, shortestUniqueWord } from '@waifudex/core/services/guess-command';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminHeaders } from '../testing/admin-session.js';

let s: TestServer;
let admin: Record<string, string>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  s = await startTestServer();
  for (const [i, name] of ['Nico Robin', 'Nico Olvia', 'Hu Tao', 'Zoë Nico'].entries()) {
    ids[name] = (
      await s.ingest.ingestImage({
        bytes: await generateDemoImage(60 + i, name),
        caption: `Name: ${name}\nAnime: Test\nID: ${i}`,
      })
    ).characterId;
  }
  admin = await adminHeaders(s);
});
afterAll(async () => s?.close());

const put = (body: unknown, headers = admin) =>
  fetch(`${s.url}/api/v1/admin/settings/guess`, { method: 'PUT', headers, body: JSON.stringify(body) });
const guess = async (name: string) =>
  (await (await fetch(`${s.url}/api/v1/characters/${ids[name]}/guess`)).json()).text;

describe('guess command formatting', () => {
  it('spells the full name, the first word, or the shortest word no other name has', () => {
    expect(formatGuess({ command: '/guess', name_form: 'full' }, ' Nico Robin ')).toBe('/guess Nico Robin');
    expect(formatGuess({ command: '/grab', name_form: 'first' }, 'Nico Robin')).toBe('/grab Nico');
    expect(shortestUniqueWord('Nico Robin', ['nico olvia'])).toBe('Robin');
    expect(shortestUniqueWord('Hu Tao', ['nico robin'])).toBe('Hu');
    expect(shortestUniqueWord('Nico', ['nico robin'])).toBeNull();
    expect(formatGuess({ command: '/guess', name_form: 'shortest_unique' }, 'Nico', null)).toBe('/guess Nico');
  });
});

describe('guess settings API', () => {
  it('defaults to /guess with the full name, publicly readable', async () => {
    expect(await (await fetch(`${s.url}/api/v1/settings`)).json()).toEqual({
      guess: { command: '/guess', name_form: 'full' },
    });
    expect(await guess('Nico Robin')).toBe('/guess Nico Robin');
  });

  it('lets an admin switch the command and the name form; the public answer follows', async () => {
    const res = await put({ command: '/grab', name_form: 'shortest_unique' });
    expect(res.status).toBe(200);
    expect(await (await fetch(`${s.url}/api/v1/settings`)).json()).toEqual({
      guess: { command: '/grab', name_form: 'shortest_unique' },
    });
    expect(await guess('Nico Robin')).toBe('/grab Robin');
    expect(await guess('Hu Tao')).toBe('/grab Hu');
    expect(await guess('Zoë Nico')).toBe('/grab Zoë');
    await put({ command: '/guess', name_form: 'first' });
    expect(await guess('Hu Tao')).toBe('/guess Hu');
  });

  it('refuses bad input and anonymous writes without changing anything', async () => {
    const before = await (await fetch(`${s.url}/api/v1/settings`)).json();
    for (const bad of [
      { command: 'guess', name_form: 'full' },
      { command: '/gu ess', name_form: 'full' },
      { command: '/guess', name_form: 'nick' },
      { command: '/guess' },
      { command: '/guess', name_form: 'full', extra: 1 },
    ]) {
      const res = await put(bad);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('validation_failed');
    }
    expect((await put({ command: '/x', name_form: 'full' }, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await put({ command: '/x', name_form: 'full' }, { ...admin, 'x-csrf-token': 'nope' })).status).toBe(403);
    expect(await (await fetch(`${s.url}/api/v1/settings`)).json()).toEqual(before);
    expect((await fetch(`${s.url}/api/v1/characters/999999/guess`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/v1/characters/abc/guess`)).status).toBe(400);
  });
});
