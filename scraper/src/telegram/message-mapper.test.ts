import { describe, expect, it } from 'vitest';
import { Api, errors, helpers } from 'telegram';
import {
  classifyDocument,
  largestPhotoSize,
  mapEntities,
  mapMessage,
  translateError,
  isDeleted,
} from './message-mapper.js';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import { parseProxy, UnsupportedProxyError } from './proxy.js';
import { ChannelUnavailableError, FloodWaitSignal, SessionExpiredError, TransientSourceError } from './source.js';

const big = (n: string | number) => helpers.returnBigInt(n);
const channelPeer = new Api.PeerChannel({ channelId: big('1234567890') });

function photo(id = '5000000000000000001') {
  return new Api.Photo({
    id: big(id),
    accessHash: big('77'),
    fileReference: Buffer.from([1, 2, 3]),
    date: 1_735_689_600,
    dcId: 4,
    sizes: [
      new Api.PhotoStrippedSize({ type: 'i', bytes: Buffer.from([1, 2, 3]) }),
      new Api.PhotoSize({ type: 'm', w: 320, h: 240, size: 12_000 }),
      new Api.PhotoSize({ type: 'x', w: 800, h: 600, size: 60_000 }),
      new Api.PhotoSizeProgressive({ type: 'y', w: 1280, h: 960, sizes: [10_000, 40_000, 120_000] }),
      new Api.PhotoPathSize({ type: 'j', bytes: Buffer.from([9]) }),
    ],
  });
}

function doc(mimeType: string, attributes: Api.TypeDocumentAttribute[], id = '6000000000000000001') {
  return new Api.Document({
    id: big(id),
    accessHash: big('88'),
    fileReference: Buffer.from([4]),
    date: 1_735_689_600,
    mimeType,
    size: big(345_678),
    dcId: 2,
    attributes,
  });
}

describe('GramJS message mapper (real Api objects)', () => {
  it('maps a photo post with a caption, entities and an album id', () => {
    const caption = 'Character Name: Muzan\nID: 07';
    const m = new Api.Message({
      id: 42,
      peerId: channelPeer,
      date: 1_735_689_600,
      editDate: 1_735_689_700,
      message: caption,
      groupedId: big('13579246801357924'),
      media: new Api.MessageMediaPhoto({ photo: photo() }),
      entities: [
        new Api.MessageEntityBold({ offset: 0, length: 15 }),
        new Api.MessageEntityTextUrl({ offset: 16, length: 5, url: 'https://example.com' }),
        new Api.MessageEntityCustomEmoji({ offset: 23, length: 2, documentId: big('5368324170671202286') }),
        new Api.MessageEntityMentionName({ offset: 0, length: 4, userId: big('6123457788') }),
      ],
    });
    const out = mapMessage(m);
    expect(out).toEqual({
      id: 42,
      date: new Date(1_735_689_600_000),
      editDate: new Date(1_735_689_700_000),
      groupedId: '13579246801357924',
      text: caption,
      entities: [
        { type: 'bold', offset: 0, length: 15 },
        { type: 'text_link', offset: 16, length: 5, url: 'https://example.com' },
        { type: 'custom_emoji', offset: 23, length: 2, url: 'tg://emoji?id=5368324170671202286' },
        { type: 'text_mention', offset: 0, length: 4, url: 'tg://user?id=6123457788' },
      ],
      media: { kind: 'photo', photoId: '5000000000000000001', sizeType: 'y', width: 1280, height: 960, bytes: 120_000 },
    });
  });

  it('picks the largest real size, never the stripped or path preview', () => {
    expect(largestPhotoSize(photo())).toEqual({ type: 'y', w: 1280, h: 960, bytes: 120_000 });
    const only = new Api.Photo({
      id: big(1),
      accessHash: big(1),
      fileReference: Buffer.alloc(0),
      date: 0,
      dcId: 1,
      sizes: [new Api.PhotoStrippedSize({ type: 'i', bytes: Buffer.from([1]) })],
    });
    expect(largestPhotoSize(only)).toBeNull();
  });

  it('stores JPEG/PNG/WebP documents and skips videos, GIFs, stickers, audio and other files with a reason', () => {
    const named = (n: string) => new Api.DocumentAttributeFilename({ fileName: n });
    expect(
      classifyDocument(doc('image/png', [named('art.png'), new Api.DocumentAttributeImageSize({ w: 2000, h: 3000 })])),
    ).toEqual({
      kind: 'image_document',
      documentId: '6000000000000000001',
      mime: 'image/png',
      fileName: 'art.png',
      bytes: 345_678,
    });
    expect(classifyDocument(doc('image/jpeg', [named('a.jpg')])).kind).toBe('image_document');
    expect(classifyDocument(doc('image/webp', [named('a.webp')])).kind).toBe('image_document');
    const video = new Api.DocumentAttributeVideo({ duration: 12, w: 720, h: 1280, supportsStreaming: true });
    expect(classifyDocument(doc('video/mp4', [video, named('clip.mp4')]))).toEqual({ kind: 'skip', reason: 'video' });
    expect(
      classifyDocument(
        doc('video/mp4', [new Api.DocumentAttributeVideo({ duration: 5, w: 240, h: 240, roundMessage: true })]),
      ),
    ).toEqual({ kind: 'skip', reason: 'round_video' });
    expect(classifyDocument(doc('video/mp4', [video, new Api.DocumentAttributeAnimated()]))).toEqual({
      kind: 'skip',
      reason: 'gif',
    });
    expect(classifyDocument(doc('image/gif', [named('x.gif')]))).toEqual({ kind: 'skip', reason: 'gif' });
    const sticker = new Api.DocumentAttributeSticker({ alt: '😀', stickerset: new Api.InputStickerSetEmpty() });
    expect(
      classifyDocument(doc('image/webp', [sticker, new Api.DocumentAttributeImageSize({ w: 512, h: 512 })])),
    ).toEqual({ kind: 'skip', reason: 'sticker' });
    expect(classifyDocument(doc('application/x-tgsticker', [sticker]))).toEqual({ kind: 'skip', reason: 'sticker' });
    expect(classifyDocument(doc('audio/ogg', [new Api.DocumentAttributeAudio({ duration: 3, voice: true })]))).toEqual({
      kind: 'skip',
      reason: 'voice',
    });
    expect(classifyDocument(doc('audio/mpeg', [new Api.DocumentAttributeAudio({ duration: 200 })]))).toEqual({
      kind: 'skip',
      reason: 'audio',
    });
    expect(classifyDocument(doc('application/zip', [named('pack.zip')]))).toEqual({ kind: 'skip', reason: 'document' });
  });

  it('maps document messages, text-only posts, web pages and service messages', () => {
    const d = new Api.Message({
      id: 7,
      peerId: channelPeer,
      date: 1,
      message: '',
      media: new Api.MessageMediaDocument({
        document: doc('image/jpeg', [new Api.DocumentAttributeFilename({ fileName: 'hq.jpg' })]),
      }),
    });
    expect(mapMessage(d).media).toMatchObject({ kind: 'image_document', mime: 'image/jpeg', fileName: 'hq.jpg' });
    const v = new Api.Message({
      id: 8,
      peerId: channelPeer,
      date: 1,
      message: 'clip',
      media: new Api.MessageMediaDocument({
        document: doc('video/mp4', [new Api.DocumentAttributeVideo({ duration: 1, w: 1, h: 1 })]),
        video: true,
      }),
    });
    expect(mapMessage(v).media).toEqual({ kind: 'skip', reason: 'video' });
    const t = new Api.Message({ id: 9, peerId: channelPeer, date: 1, message: 'hello' });
    expect(mapMessage(t)).toMatchObject({
      text: 'hello',
      groupedId: null,
      entities: [],
      media: { kind: 'skip', reason: 'no_media' },
    });
    const w = new Api.Message({
      id: 10,
      peerId: channelPeer,
      date: 1,
      message: 'https://x',
      media: new Api.MessageMediaWebPage({ webpage: new Api.WebPageEmpty({ id: big(1) }) }),
    });
    expect(mapMessage(w).media).toEqual({ kind: 'skip', reason: 'webpage' });
    const s = new Api.MessageService({
      id: 11,
      peerId: channelPeer,
      date: 1,
      action: new Api.MessageActionChannelCreate({ title: 'x' }),
    });
    expect(mapMessage(s)).toMatchObject({ id: 11, media: { kind: 'skip', reason: 'service' } });
    const empty = new Api.MessageMediaPhoto({});
    expect(
      mapMessage(new Api.Message({ id: 12, peerId: channelPeer, date: 1, message: '', media: empty })).media,
    ).toEqual({ kind: 'skip', reason: 'other_media' });
    expect(isDeleted(new Api.MessageEmpty({ id: 13 }))).toBe(true);
    expect(isDeleted(undefined)).toBe(true);
    expect(isDeleted(t)).toBe(false);
  });

  it('maps entity class names to Bot API names', () => {
    expect(
      mapEntities([
        new Api.MessageEntityItalic({ offset: 1, length: 2 }),
        new Api.MessageEntitySpoiler({ offset: 0, length: 1 }),
        new Api.MessageEntityBlockquote({ offset: 0, length: 3 }),
      ]),
    ).toEqual([
      { type: 'italic', offset: 1, length: 2 },
      { type: 'spoiler', offset: 0, length: 1 },
      { type: 'blockquote', offset: 0, length: 3 },
    ]);
    expect(mapEntities(undefined)).toEqual([]);
  });

  it('translates GramJS errors into source errors', () => {
    const req = new Api.help.GetConfig();
    const flood = translateError(new errors.FloodWaitError({ request: req, capture: 17 }));
    expect(flood).toBeInstanceOf(FloodWaitSignal);
    expect((flood as FloodWaitSignal).seconds).toBe(17);
    expect(translateError(new errors.RPCError('FLOOD_PREMIUM_WAIT_5', req, 420))).toMatchObject({ seconds: 5 });
    for (const name of ['AUTH_KEY_UNREGISTERED', 'SESSION_REVOKED', 'USER_DEACTIVATED']) {
      const e = translateError(new errors.RPCError(name, req, 401));
      expect(e).toBeInstanceOf(SessionExpiredError);
      expect((e as Error).message).toContain('npm run scraper -- login');
    }
    expect(translateError(new errors.RPCError('CHANNEL_PRIVATE', req, 400))).toBeInstanceOf(ChannelUnavailableError);
    expect(translateError(new errors.RPCError('RPC_CALL_FAIL', req, 500))).toBeInstanceOf(TransientSourceError);
    expect(translateError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeInstanceOf(
      TransientSourceError,
    );
    expect(translateError(new Error('TIMEOUT'))).toBeInstanceOf(TransientSourceError);
    const other = new errors.RPCError('MESSAGE_ID_INVALID', req, 400);
    expect(translateError(other)).toBe(other);
  });
});

describe('channel references and proxy', () => {
  it('parses usernames, links, invite links and ids', () => {
    expect(parseChannelRef('@waifu_cards')).toEqual({ kind: 'username', username: 'waifu_cards' });
    expect(parseChannelRef('waifu_cards')).toEqual({ kind: 'username', username: 'waifu_cards' });
    expect(parseChannelRef('https://t.me/waifu_cards')).toEqual({ kind: 'username', username: 'waifu_cards' });
    expect(parseChannelRef('t.me/s/waifu_cards/123')).toEqual({ kind: 'username', username: 'waifu_cards' });
    expect(parseChannelRef('https://t.me/+AbCdEf123_-x')).toEqual({ kind: 'invite', hash: 'AbCdEf123_-x' });
    expect(parseChannelRef('https://t.me/joinchat/AbCdEf')).toEqual({ kind: 'invite', hash: 'AbCdEf' });
    expect(parseChannelRef('-1001234567890')).toEqual({ kind: 'id', peerId: '1234567890' });
    expect(parseChannelRef('1234567890')).toEqual({ kind: 'id', peerId: '1234567890' });
    expect(() => parseChannelRef('https://example.com/x')).toThrow();
  });

  it('takes a private channel post link (t.me/c/<id>/<post>) as the channel id', () => {
    expect(parseChannelRef('https://t.me/c/1234567890/77')).toEqual({ kind: 'id', peerId: '1234567890' });
    expect(parseChannelRef('t.me/c/1234567890')).toEqual({ kind: 'id', peerId: '1234567890' });
    expect(parseChannelRef('https://t.me/c/1234567890/12/345?single')).toEqual({ kind: 'id', peerId: '1234567890' });
  });

  it('builds a GramJS SOCKS proxy and refuses HTTP clearly', () => {
    expect(parseProxy('socks5://user:p%40ss@127.0.0.1:1080')).toEqual({
      ip: '127.0.0.1',
      port: 1080,
      socksType: 5,
      timeout: 10,
      username: 'user',
      password: 'p@ss',
    });
    expect(parseProxy(undefined)).toBeUndefined();
    expect(() => parseProxy('http://proxy:3128')).toThrow(UnsupportedProxyError);
  });
});
