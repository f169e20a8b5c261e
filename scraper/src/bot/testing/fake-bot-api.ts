/**
 * Tests only: a Bot API server on localhost that grammY talks to over real HTTP (apiRoot). It records every
 * call, serves registered files under /file/bot<token>/<path>, queues updates for getUpdates, and can
 * answer a call with a Bot API error (429 with retry_after, 403 …) once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update, UserFromGetMe } from 'grammy/types';

export interface FakeFile {
  fileId: string;
  fileUniqueId: string;
  bytes: Buffer;
  /** Reported by getFile (defaults to bytes.length). */
  fileSize?: number;
}

export interface ApiCall {
  method: string;
  payload: Record<string, any>;
}

export interface FakeBotApi {
  apiRoot: string;
  token: string;
  botInfo: UserFromGetMe;
  calls: ApiCall[];
  /** File paths downloaded through /file/. */
  downloads: string[];
  addFile(f: FakeFile): void;
  /** The next call of `method` fails with this Bot API error. */
  failNext(
    method: string,
    error: { error_code: number; description: string; parameters?: { retry_after?: number } },
  ): void;
  /** getChatMember answers this status. */
  memberStatus: string;
  pushUpdate(u: Update): void;
  sent(method?: string): ApiCall[];
  close(): Promise<void>;
}

export async function startFakeBotApi(): Promise<FakeBotApi> {
  const token = '123456789:TEST-token_0123456789abcdefghijklmnop';
  const botInfo: UserFromGetMe = {
    id: 123456789,
    is_bot: true,
    first_name: 'Waifudex',
    username: 'waifudex_test_bot',
    can_join_groups: true,
    can_read_all_group_messages: false, // privacy mode on
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
  } as UserFromGetMe;
  const files = new Map<string, FakeFile & { path: string }>();
  const failures = new Map<
    string,
    Array<{ error_code: number; description: string; parameters?: { retry_after?: number } }>
  >();
  const updates: Update[] = [];
  const calls: ApiCall[] = [];
  const downloads: string[] = [];
  let messageId = 1000;
  const state = { memberStatus: 'member' };

  function result(method: string, p: Record<string, any>): unknown {
    switch (method) {
      case 'getMe':
        return botInfo;
      case 'getFile': {
        const f = files.get(p.file_id);
        if (!f) throw { error_code: 400, description: 'Bad Request: invalid file_id' };
        return {
          file_id: f.fileId,
          file_unique_id: f.fileUniqueId,
          file_size: f.fileSize ?? f.bytes.length,
          file_path: f.path,
        };
      }
      case 'sendMessage':
        return {
          message_id: ++messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(p.chat_id), type: Number(p.chat_id) > 0 ? 'private' : 'supergroup' },
          text: p.text,
        };
      case 'getChatMember':
        return { status: state.memberStatus, user: { id: Number(p.user_id), is_bot: false, first_name: 'U' } };
      case 'getUpdates': {
        const offset = Number(p.offset ?? 0);
        return updates.filter((u) => u.update_id >= offset);
      }
      default:
        return true;
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (fileMatch) {
        const f = [...files.values()].find((x) => x.path === fileMatch[2]);
        if (fileMatch[1] !== token || !f) return void res.writeHead(404).end();
        downloads.push(f.path);
        return void res
          .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.bytes.length })
          .end(f.bytes);
      }
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (!m || m[1] !== token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = m[2]!;
      const raw = Buffer.concat(chunks).toString('utf8');
      const payload = raw ? (JSON.parse(raw) as Record<string, any>) : {};
      if (method !== 'getUpdates') calls.push({ method, payload });
      const fail = failures.get(method)?.shift();
      if (fail) return send(fail.error_code, { ok: false, ...fail });
      try {
        const r = result(method, payload);
        if (method === 'getUpdates' && (r as Update[]).length === 0) {
          // long poll: answer empty after a short wait instead of holding the connection
          return void setTimeout(() => send(200, { ok: true, result: [] }), 50);
        }
        send(200, { ok: true, result: r });
      } catch (e) {
        const err = e as { error_code: number; description: string };
        send(err.error_code, { ok: false, ...err });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botInfo,
    calls,
    downloads,
    get memberStatus() {
      return state.memberStatus;
    },
    set memberStatus(v: string) {
      state.memberStatus = v;
    },
    addFile(f) {
      files.set(f.fileId, { ...f, path: `photos/file_${files.size}.jpg` });
    },
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    pushUpdate: (u) => void updates.push(u),
    sent: (method = 'sendMessage') => calls.filter((c) => c.method === method),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
