/**
 * Live updates through GramJS's real update pipeline: a real (never connected) TelegramClient, updates
 * fed to GramJS's own _handleUpdate exactly as MTProtoSender does, and the real NewMessage /
 * EditedMessage builders resolving the chats filter. Telegram's answer to any request here (there is no
 * network) is an RPC error, as it would be for a name that resolves to nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Api, TelegramClient, errors, helpers } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { _handleUpdate } from 'telegram/client/updates.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { Logger as GramLogger, LogLevel } from 'telegram/extensions/Logger.js';
import { createLogger } from '@waifudex/core/logger';
import { GramjsSource, markedChannelId, type GramClient } from './gramjs-source.js';
import type { IncomingMessage } from './source.js';

const logger = createLogger('silent', 'test');
const channel = { peerId: '1234567890', accessHash: '999', title: 'T', username: 't' };
const other = '555';

function offlineClient(): TelegramClient {
  const client = new TelegramClient(new StringSession(''), 1, '0'.repeat(32), {
    connectionRetries: 1,
    autoReconnect: false,
    baseLogger: new GramLogger(LogLevel.NONE),
  });
  client.invoke = (async (req: { className: string }) => {
    throw errors.RPCMessageToError(
      new Api.RpcError({ errorCode: 400, errorMessage: 'USERNAME_INVALID' }),
      req as never,
    );
  }) as never;
  return client;
}

const post = (id: number, peer: string, text = '') =>
  new Api.Message({
    id,
    peerId: new Api.PeerChannel({ channelId: helpers.returnBigInt(peer) }),
    date: 1_700_000_000 + id,
    message: text,
  });

const rejections: unknown[] = [];
const onRejection = (e: unknown) => rejections.push(e);
process.on('unhandledRejection', onRejection);
afterEach(() => {
  rejections.length = 0;
});

async function until(check: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('live updates over GramJS', () => {
  it('uses the marked -100… id as the chats filter', () => {
    expect(markedChannelId('1234567890')).toBe('-1001234567890');
  });

  it('delivers new and edited posts of the followed channel, ignores other chats, and never rejects unhandled', async () => {
    const client = offlineClient();
    const src = new GramjsSource(client as unknown as GramClient, logger, { timeoutMs: 500 });
    const got: { kind: string; peer: string | null; id: number; text?: string }[] = [];
    const unsubscribe = await src.subscribe([channel], {
      onNew: (peer, m: IncomingMessage) => void got.push({ kind: 'new', peer, id: m.id, text: m.text }),
      onEdit: (peer, m: IncomingMessage) => void got.push({ kind: 'edit', peer, id: m.id, text: m.text }),
      onDelete: (peer, ids) => void got.push({ kind: 'delete', peer, id: ids[0]! }),
    });
    _handleUpdate(
      client,
      new Api.UpdateNewChannelMessage({ message: post(7, channel.peerId, 'hello'), pts: 1, ptsCount: 1 }),
    );
    _handleUpdate(
      client,
      new Api.UpdateNewChannelMessage({ message: post(8, other, 'not ours'), pts: 2, ptsCount: 1 }),
    );
    _handleUpdate(
      client,
      new Api.UpdateEditChannelMessage({ message: post(7, channel.peerId, 'edited'), pts: 3, ptsCount: 1 }),
    );
    _handleUpdate(
      client,
      new Api.UpdateDeleteChannelMessages({
        channelId: helpers.returnBigInt(channel.peerId),
        messages: [6],
        pts: 4,
        ptsCount: 1,
      }),
    );
    await until(() => got.length >= 3);
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([
      { kind: 'new', peer: channel.peerId, id: 7, text: 'hello' },
      { kind: 'edit', peer: channel.peerId, id: 7, text: 'edited' },
      { kind: 'delete', peer: channel.peerId, id: 6 },
    ]);
    expect(rejections).toEqual([]);
    await unsubscribe();
  });

  it('a handler that throws is logged; the next update still arrives', async () => {
    const client = offlineClient();
    const src = new GramjsSource(client as unknown as GramClient, logger, { timeoutMs: 500 });
    const seen: number[] = [];
    await src.subscribe([channel], {
      onNew: (_p, m) => {
        seen.push(m.id);
        if (m.id === 1) throw new Error('boom');
      },
      onEdit: async () => Promise.reject(new Error('async boom')),
      onDelete: () => undefined,
    });
    _handleUpdate(client, new Api.UpdateNewChannelMessage({ message: post(1, channel.peerId), pts: 1, ptsCount: 1 }));
    _handleUpdate(client, new Api.UpdateEditChannelMessage({ message: post(1, channel.peerId), pts: 2, ptsCount: 1 }));
    _handleUpdate(client, new Api.UpdateNewChannelMessage({ message: post(2, channel.peerId), pts: 3, ptsCount: 1 }));
    await until(() => seen.length === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(rejections).toEqual([]);
  });

  it('a reconnect (GramJS reports it as UpdateConnectionState) asks for a catch-up', async () => {
    const client = offlineClient();
    const src = new GramjsSource(client as unknown as GramClient, logger, { timeoutMs: 500 });
    let catchUps = 0;
    await src.subscribe([channel], {
      onNew: () => undefined,
      onEdit: () => undefined,
      onDelete: () => undefined,
      onReconnect: () => void catchUps++,
    });
    _handleUpdate(client, new UpdateConnectionState(UpdateConnectionState.disconnected) as never);
    _handleUpdate(client, new UpdateConnectionState(UpdateConnectionState.connected) as never);
    await until(() => catchUps === 1);
    expect(rejections).toEqual([]);
  });
});
