/**
 * The bot end to end: grammY talks real HTTP to a fake Bot API server on localhost, updates are shaped as
 * the Bot API sends them, the gallery holds real artworks and the real search engine answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createImageSearchService, type ImageSearchService } from '@waifudex/core/services/image-search.service';
import { makeVariant } from '@waifudex/core/images/query-variants';
import { updateBotSettings } from '@waifudex/core/repos/bot-state.repo';
import { DEFAULT_GUESS_SETTINGS, updateGuessSettings } from '@waifudex/core/repos/settings.repo';
import { createTestEnv, type TestEnv } from '../testing/test-env.js';
import { createWaifudexBot, type WaifudexBot, type WaifudexBotDeps } from './create-bot.js';
import { runBot, webhookSecret } from './run-bot.js';
import { getBotState } from '@waifudex/core/repos/bot-state.repo';
import { startFakeBotApi, type FakeBotApi } from './testing/fake-bot-api.js';
import * as U from './testing/updates.js';
import { freePort } from '../../../server/src/testing/free-port.js';

const galleryDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/images/gallery');
const manifest = JSON.parse(fs.readFileSync(path.join(galleryDir, '../manifest.json'), 'utf8')) as Array<{
  file: string;
  character: string;
}>;

/** Every n-th file, one artwork per character, so that every picture has one right answer. */
function pickFiles(count: number, offset: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = offset; out.length < count && i < manifest.length; i += 37) {
    const m = manifest[i]!;
    if (seen.has(m.character)) continue;
    seen.add(m.character);
    out.push(m.file);
  }
  return out;
}
const read = (f: string) => fs.readFileSync(path.join(galleryDir, f));
const caption = (f: string) => fs.readFileSync(path.join(galleryDir, f.replace(/\.jpg$/, '.txt')), 'utf8');

describe('Telegram bot', () => {
  let env: TestEnv;
  let api: FakeBotApi;
  let search: ImageSearchService;
  let w: WaifudexBot;
  const files = pickFiles(12, 3);
  const chars = new Map<string, { id: string; name: string; anime: string | null }>();
  const sleeps: number[] = [];

  const makeBot = (over: Partial<WaifudexBotDeps> = {}) =>
    createWaifudexBot({
      token: api.token,
      db: env.db,
      search,
      logger: env.logger,
      publicUrl: 'https://dex.example.org',
      userPerMinute: 100,
      groupPerMinute: 100,
      maxFileBytes: 5 * 1024 * 1024,
      apiRoot: api.apiRoot,
      botInfo: api.botInfo,
      settingsTtlMs: 0,
      settleSeconds: 0,
      sleep: async (ms) => void sleeps.push(ms),
      ...over,
    });
  const lastReply = () => api.sent().at(-1)!.payload;
  const galleryCounts = async () =>
    (
      await env.db.query(`SELECT (SELECT count(*) FROM characters)::int AS c, (SELECT count(*) FROM artworks)::int AS a,
    (SELECT count(*) FROM image_index_changes)::int AS x, (SELECT coalesce(sum(hashtext(coalesce(name, '') || coalesce(anime, ''))), 0)::text AS h FROM characters)`)
    ).rows[0];

  beforeAll(async () => {
    env = await createTestEnv();
    for (const f of files) {
      const out = await env.ingest.ingestImage({ bytes: read(f), caption: caption(f) });
      const row = (await env.db.query('SELECT id::text, name, anime FROM characters WHERE id = $1', [out.characterId]))
        .rows[0];
      chars.set(f, row);
    }
    search = createImageSearchService({
      db: env.db,
      imagesDir: env.imagesDir,
      logger: env.logger,
      pollMs: 0,
      backgroundReindex: false,
    });
    await search.start();
    api = await startFakeBotApi();
  });
  afterAll(async () => {
    search?.stop();
    await api?.close();
    await env?.close();
  });
  beforeEach(async () => {
    api.calls.length = 0;
    sleeps.length = 0;
    await updateBotSettings(env.db, { enabled: true, allowList: [] });
    w = makeBot();
  });

  test('private photo, forwarded photo, image document and a phone screenshot are named, with /guess and buttons', async () => {
    const before = await galleryCounts();
    const cases = [
      { file: files[0]!, update: async (b: Buffer) => U.privatePhoto(api, await makeVariant(b, 'jpeg30')) },
      { file: files[1]!, update: async (b: Buffer) => U.forwardedPhoto(api, await makeVariant(b, 'crop10')) },
      {
        file: files[2]!,
        update: async (b: Buffer) => U.privateDocument(api, await makeVariant(b, 'resize40'), 'image/png', 'spawn.png'),
      },
      { file: files[3]!, update: async (b: Buffer) => U.privatePhoto(api, await makeVariant(b, 'screenshot')) },
    ];
    for (const c of cases) {
      const upd = await c.update(read(c.file));
      await w.bot.handleUpdate(upd);
      const want = chars.get(c.file)!;
      const reply = lastReply();
      expect(reply.chat_id).toBe(U.alice.id);
      expect(reply.reply_parameters.message_id).toBe(upd.message!.message_id);
      expect(reply.parse_mode).toBe('HTML');
      expect(reply.text).toContain(`<b>${want.name}</b>`);
      expect(reply.text).toMatch(/✅ (Exact match|Match)|🤔 Probably/);
      expect(reply.text).toContain(`<code>/guess ${want.name}</code>`);
      const buttons = reply.reply_markup.inline_keyboard.flat();
      expect(buttons).toContainEqual({ text: 'Open page', url: `https://dex.example.org/c/${want.id}` });
    }
    // the largest photo size is the one downloaded
    expect(api.downloads.length).toBe(4);
    expect(await galleryCounts()).toEqual(before); // nothing from the bot changes the gallery
  });

  test('a repeat of the same spawn answers from file_unique_id without a download; unknown pictures say so', async () => {
    const bytes = await makeVariant(read(files[4]!), 'jpeg30');
    const first = U.privatePhoto(api, bytes);
    await w.bot.handleUpdate(first);
    expect(lastReply().text).toContain(chars.get(files[4]!)!.name);
    const uid = first.message!.photo!.at(-1)!.file_unique_id;
    api.calls.length = 0;
    // Telegram gives a forwarded copy a new file_id but the same file_unique_id
    const again = U.privatePhoto(api, bytes);
    again.message!.photo = again.message!.photo!.map((p, i, all) =>
      i === all.length - 1 ? { ...p, file_unique_id: uid } : p,
    );
    await w.bot.handleUpdate(again);
    expect(api.calls.map((c) => c.method)).toEqual(['sendMessage']);
    expect(lastReply().text).toContain('✅ Exact match');
    expect(lastReply().text).toContain(chars.get(files[4]!)!.name);

    const stranger = pickFiles(40, 5).find(
      (f) =>
        !files.includes(f) &&
        ![...chars.values()].some((c) => c.name === manifest.find((m) => m.file === f)?.character),
    )!;
    await w.bot.handleUpdate(U.privatePhoto(api, read(stranger)));
    expect(lastReply().text).toContain('❌ Not in the gallery');
    expect(lastReply().text).not.toContain('/guess');
  });

  test('"other candidates" button lists characters from callback data', async () => {
    const ids = (await env.db.query('SELECT id::text FROM artworks ORDER BY id LIMIT 2')).rows.map((r) => r.id);
    await w.bot.handleUpdate({
      update_id: 9_000_001,
      callback_query: {
        id: '4382bfdwdsb323b2d9',
        from: U.alice,
        chat_instance: '-123',
        data: `alt:${ids.join(',')}`,
        message: { message_id: 77, date: 1, chat: { id: U.alice.id, type: 'private', first_name: 'Alice' } },
      },
    } as any);
    expect(api.sent('answerCallbackQuery')).toHaveLength(1);
    expect(lastReply().text).toContain('Other candidates');
    expect((lastReply().text.match(/<code>\/guess /g) ?? []).length).toBe(2);
    // the admin's guess setting (the web app's) spells the command
    await updateGuessSettings(env.db, { command: '/catch', name_form: 'first' });
    try {
      await w.bot.handleUpdate(U.privatePhoto(api, await makeVariant(read(files[0]!), 'jpeg30')));
      expect(lastReply().text).toContain(
        `<code>/catch ${
          chars
            .get(files[0]!)!
            .name.split(/[^\p{L}\p{N}]+/u)
            .filter(Boolean)[0]
        }</code>`,
      );
    } finally {
      await updateGuessSettings(env.db, DEFAULT_GUESS_SETTINGS);
    }
  });

  test('groups: /who as a reply, a picture mentioning the bot, and admin-enabled auto answers with a per-group limit', async () => {
    w = makeBot({ groupPerMinute: 1 });
    await w.bot.handleUpdate(U.addedToGroup(api));
    const spawn = U.groupPhotoMessage(
      api,
      await makeVariant(read(files[5]!), 'jpeg30'),
      U.catcher,
      'A wild character appeared! /guess to catch it',
    );
    await w.bot.handleUpdate(U.groupUpdate(spawn)); // auto answers are off: silence
    expect(api.sent()).toHaveLength(0);

    await w.bot.handleUpdate(U.groupCommand('/who@waifudex_test_bot', U.alice, spawn));
    expect(lastReply().chat_id).toBe(U.groupChat.id);
    expect(lastReply().reply_parameters.message_id).toBe(spawn.message_id);
    expect(lastReply().text).toContain(chars.get(files[5]!)!.name);

    await w.bot.handleUpdate(U.groupCommand('/who'));
    expect(lastReply().text).toBe('Reply /who to a picture.');

    await w.bot.handleUpdate(
      U.groupUpdate(
        U.groupPhotoMessage(
          api,
          await makeVariant(read(files[6]!), 'crop10'),
          U.alice,
          'who is she @waifudex_test_bot?',
        ),
      ),
    );
    expect(lastReply().text).toContain(chars.get(files[6]!)!.name);

    api.memberStatus = 'member';
    await w.bot.handleUpdate(U.groupCommand('/auto @WaifuCatcherBot'));
    expect(lastReply().text).toContain('Only group admins');
    api.memberStatus = 'administrator';
    await w.bot.handleUpdate(U.groupCommand('/auto @WaifuCatcherBot'));
    expect(lastReply().text).toContain('Automatic answers to @WaifuCatcherBot are on');

    const n = api.sent().length;
    await w.bot.handleUpdate(
      U.groupUpdate(U.groupPhotoMessage(api, await makeVariant(read(files[7]!), 'jpeg30'), U.catcher)),
    );
    expect(api.sent()).toHaveLength(n + 1);
    expect(lastReply().text).toContain(chars.get(files[7]!)!.name);
    // a second spawn within the minute is over the group's limit of 1: no answer
    await w.bot.handleUpdate(
      U.groupUpdate(U.groupPhotoMessage(api, await makeVariant(read(files[8]!), 'jpeg30'), U.catcher)),
    );
    expect(api.sent()).toHaveLength(n + 1);
    // other bots' pictures are not answered
    await w.bot.handleUpdate(
      U.groupUpdate(U.groupPhotoMessage(api, read(files[8]!), { ...U.catcher, id: 5, username: 'OtherBot' })),
    );
    expect(api.sent()).toHaveLength(n + 1);
  });

  test('per-user rate limit, size limit, admin switch and allow-list', async () => {
    let t = 1_000_000;
    w = makeBot({ userPerMinute: 2, now: () => t, maxFileBytes: 200_000 });
    const small = await makeVariant(read(files[9]!), 'resize40');
    expect(small.length).toBeLessThan(200_000);
    await w.bot.handleUpdate(U.privatePhoto(api, small));
    await w.bot.handleUpdate(U.privatePhoto(api, small));
    expect(lastReply().text).toContain(chars.get(files[9]!)!.name);
    await w.bot.handleUpdate(U.privatePhoto(api, small));
    expect(lastReply().text).toMatch(/^Too many pictures: try again in \d+ s\.$/);
    const warned = api.sent().length;
    await w.bot.handleUpdate(U.privatePhoto(api, small)); // a flood gets one warning, then silence
    expect(api.sent()).toHaveLength(warned);
    t += 61_000;
    const big = Buffer.concat([read(files[9]!), Buffer.alloc(250_000)]);
    const before = api.calls.length;
    await w.bot.handleUpdate(U.privatePhoto(api, big));
    expect(lastReply().text).toBe('This picture is too large; the limit is 0.2 MB.');
    expect(api.calls.slice(before).map((c) => c.method)).toEqual(['sendMessage']); // refused before getFile

    await updateBotSettings(env.db, { enabled: false });
    await w.bot.handleUpdate(U.privatePhoto(api, small));
    expect(lastReply().text).toContain('paused');
    await updateBotSettings(env.db, { enabled: true, allowList: ['42'] });
    await w.bot.handleUpdate(U.privatePhoto(api, small));
    expect(lastReply().text).toBe('This bot is private.');
    await updateBotSettings(env.db, { allowList: [String(U.alice.id)] });
    t += 61_000;
    await w.bot.handleUpdate(U.privatePhoto(api, small));
    expect(lastReply().text).toContain(chars.get(files[9]!)!.name);
  });

  test('subscriptions: one digest per subscriber after new characters, filtered by anime or rarity', async () => {
    const bob = { ...U.alice, id: 444_555_666, first_name: 'Bob', username: 'bob' };
    const carol = { ...U.alice, id: 777_888_999, first_name: 'Carol', username: 'carol' };
    expect(await w.runDigest()).toBe(0); // first round sets the watermark: the existing gallery is not announced
    const newFiles = pickFiles(60, 11)
      .filter((f) => !files.includes(f) && !chars.has(f))
      .slice(0, 3);
    for (const f of newFiles) await env.ingest.ingestImage({ bytes: read(f), caption: caption(f) });
    const added = (
      await env.db.query('SELECT name, anime, rarity FROM characters ORDER BY id DESC LIMIT 3')
    ).rows.reverse();
    const anime = added[0]!.anime as string;

    await w.bot.handleUpdate(U.privateText('/subscribe', U.alice));
    expect(lastReply().text).toContain('Subscribed: all new characters');
    await w.bot.handleUpdate(U.privateText(`/subscribe anime ${anime.toUpperCase()}`, bob));
    expect(lastReply().text).toContain('Subscribed');
    await w.bot.handleUpdate(U.privateText('/subscribe rarity Nonexistent Tier', carol));
    await w.bot.handleUpdate(U.privateText('/subscribe sometimes', carol));
    expect(lastReply().text).toContain('Use /subscribe');
    api.calls.length = 0;

    expect(await w.runDigest()).toBe(2);
    const digests = api.sent();
    expect(digests.map((d) => Number(d.payload.chat_id)).sort()).toEqual([U.alice.id, bob.id].sort());
    const toAlice = digests.find((d) => Number(d.payload.chat_id) === U.alice.id)!.payload.text as string;
    expect(toAlice).toContain(`${added.length} new characters`);
    for (const a of added) expect(toAlice).toContain(a.name);
    const toBob = digests.find((d) => Number(d.payload.chat_id) === bob.id)!.payload.text as string;
    const bobs = added.filter((a) => a.anime?.toLowerCase() === anime.toLowerCase());
    expect(toBob).toContain(`${bobs.length} new character`);
    for (const a of added) expect(toBob.includes(a.name)).toBe(bobs.includes(a));
    expect(await w.runDigest()).toBe(0); // announced once

    await w.bot.handleUpdate(U.privateText('/unsubscribe', bob));
    expect(lastReply().text).toContain('1 subscription removed');
  });

  test('digests honour retry_after on 429 and stop for chats that blocked the bot', async () => {
    const dave = { ...U.alice, id: 222_333_444, first_name: 'Dave', username: 'dave' };
    await env.db.query('DELETE FROM bot_subscriptions');
    await w.bot.handleUpdate(U.privateText('/subscribe', dave));
    await w.runDigest();
    const f = pickFiles(80, 17).find((x) => !chars.has(x) && !files.includes(x))!;
    const out = await env.ingest.ingestImage({ bytes: read(f), caption: caption(f) });
    expect(out.status).toBe('created');
    api.calls.length = 0;
    api.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    });
    api.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 2',
      parameters: { retry_after: 2 },
    });
    expect(await w.runDigest()).toBe(1);
    expect(sleeps.filter((ms) => ms >= 1000)).toEqual([7000, 2000]);
    // the two refused tries, then the digest itself
    expect(api.sent()).toHaveLength(3);
    expect(api.sent().every((c) => Number(c.payload.chat_id) === dave.id)).toBe(true);

    const g = pickFiles(90, 23).find((x) => !chars.has(x) && !files.includes(x) && x !== f)!;
    await env.ingest.ingestImage({ bytes: read(g), caption: caption(g) });
    api.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    expect(await w.runDigest()).toBe(0);
    const members = (
      await env.db.query('SELECT count(*)::int AS n FROM bot_chats WHERE member AND chat_id = $1', [dave.id])
    ).rows[0].n;
    expect(members).toBe(0);
  });

  test('long polling: bot.start() receives a photo through getUpdates and answers it', async () => {
    api.pushUpdate(U.privatePhoto(api, await makeVariant(read(files[10]!), 'jpeg30')));
    const done = w.bot.start({ allowed_updates: ['message', 'callback_query', 'my_chat_member'] });
    for (let i = 0; i < 200 && api.sent().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    await w.bot.stop();
    await done;
    expect(api.calls.some((c) => c.method === 'deleteWebhook')).toBe(true);
    expect(lastReply().text).toContain(chars.get(files[10]!)!.name);
  });

  test('webhook mode: setWebhook with a secret, updates without it are refused, with it answered', async () => {
    // (a random fixed port can be an outgoing connection's ephemeral port at that moment)
    const port = await freePort();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runBot(w, {
      db: env.db,
      logger: env.logger,
      webhookUrl: 'https://dex.example.org/telegram-bot',
      webhookPort: port,
      stopped,
    });
    for (let i = 0; i < 200 && !api.calls.some((c) => c.method === 'setWebhook'); i++)
      await new Promise((r) => setTimeout(r, 25));
    const set = api.calls.find((c) => c.method === 'setWebhook')!.payload;
    expect(set).toMatchObject({ url: 'https://dex.example.org/telegram-bot', secret_token: webhookSecret(api.token) });
    const upd = U.privatePhoto(api, await makeVariant(read(files[11]!), 'jpeg30'));
    const post = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify(upd),
      });
    expect((await post('wrong')).status).toBe(401);
    expect(api.sent()).toHaveLength(0);
    expect((await post(set.secret_token)).status).toBe(200);
    expect(lastReply().text).toContain(chars.get(files[11]!)!.name);
    stop();
    await running;
    expect(await getBotState(env.db)).toMatchObject({ botUsername: 'waifudex_test_bot', mode: 'webhook', answers: 1 });
  });

  test('a token Telegram refuses stops the bot with one line that does not contain it', async () => {
    const bad = createWaifudexBot({
      ...({} as WaifudexBotDeps),
      token: '999:WRONG-token_0123456789abcdefghijklmnop',
      db: env.db,
      search,
      logger: env.logger,
      userPerMinute: 1,
      groupPerMinute: 1,
      maxFileBytes: 1000,
      apiRoot: api.apiRoot,
    });
    const err = await runBot(bad, {
      db: env.db,
      logger: env.logger,
      webhookPort: 1,
      stopped: new Promise(() => undefined),
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^Telegram refused TELEGRAM_BOT_TOKEN \(401\)/);
    expect((err as Error).message).not.toContain('WRONG');
  });
});
