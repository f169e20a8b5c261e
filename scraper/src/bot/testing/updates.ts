/** Tests only: updates shaped exactly as the Bot API sends them (photo sizes smallest first, command entities …). */
import type { Message, Update, User } from 'grammy/types';
import type { FakeBotApi } from './fake-bot-api.js';

let nextUpdateId = 500_000;
let nextMessageId = 1;

export const alice: User = {
  id: 111_222_333,
  is_bot: false,
  first_name: 'Alice',
  username: 'alice',
  language_code: 'en',
};
export const catcher: User = {
  id: 777_000_111,
  is_bot: true,
  first_name: 'Waifu Catcher',
  username: 'WaifuCatcherBot',
};
export const groupChat = { id: -1001234567890, title: 'Catchers', type: 'supergroup' as const };
const privateChat = (u: User) => ({
  id: u.id,
  first_name: u.first_name,
  username: u.username,
  type: 'private' as const,
});

let fileSeq = 0;
/** Registers `bytes` as a Telegram photo (four sizes, the largest holds the bytes) and returns the PhotoSize array. */
export function photoSizes(
  api: FakeBotApi,
  bytes: Buffer,
  w = 1280,
  h = 960,
  uniqueId?: string,
): NonNullable<Message['photo']> {
  const n = ++fileSeq;
  const uid = uniqueId ?? `AQADuniq${n}`;
  const sizes = [90, 320, 800, 1280].map((side, i) => {
    const s = side / Math.max(w, h);
    const fileId = `AgACAgIAAxkBAAI${n}x${i}`;
    // only the largest is downloaded by the bot; the others carry a tiny, distinct payload
    api.addFile({
      fileId,
      fileUniqueId: i === 3 ? uid : `${uid}s${i}`,
      bytes: i === 3 ? bytes : Buffer.from(`thumb ${i}`),
    });
    return {
      file_id: fileId,
      file_unique_id: i === 3 ? uid : `${uid}s${i}`,
      width: Math.round(w * s),
      height: Math.round(h * s),
      file_size: i === 3 ? bytes.length : 1000 * (i + 1),
    };
  });
  return sizes;
}

function message(chat: Message['chat'], from: User, extra: Partial<Message>): Message {
  return { message_id: nextMessageId++, from, chat, date: Math.floor(Date.now() / 1000), ...extra } as Message;
}

const update = (m: Message): Update => ({ update_id: nextUpdateId++, message: m }) as Update;

export function privatePhoto(api: FakeBotApi, bytes: Buffer, from = alice, extra: Partial<Message> = {}): Update {
  return update(message(privateChat(from), from, { photo: photoSizes(api, bytes), ...extra }));
}

/** A photo forwarded from a channel post. */
export function forwardedPhoto(api: FakeBotApi, bytes: Buffer, from = alice): Update {
  const channel = { id: -1009876543210, title: 'Spawn Archive', username: 'spawnarchive', type: 'channel' as const };
  return privatePhoto(api, bytes, from, {
    forward_origin: { type: 'channel', chat: channel, message_id: 4242, date: Math.floor(Date.now() / 1000) - 3600 },
  });
}

/** An image sent "as a file" (a document with an image MIME type). */
export function privateDocument(api: FakeBotApi, bytes: Buffer, mime: string, fileName: string, from = alice): Update {
  const n = ++fileSeq;
  const fileId = `BQACAgIAAxkBAAI${n}doc`;
  api.addFile({ fileId, fileUniqueId: `AgADdoc${n}`, bytes });
  return update(
    message(privateChat(from), from, {
      document: {
        file_id: fileId,
        file_unique_id: `AgADdoc${n}`,
        file_name: fileName,
        mime_type: mime,
        file_size: bytes.length,
      },
    }),
  );
}

export function privateText(text: string, from = alice): Update {
  const cmd = /^\/\w+(@\w+)?/.exec(text);
  return update(
    message(privateChat(from), from, {
      text,
      ...(cmd ? { entities: [{ type: 'bot_command', offset: 0, length: cmd[0].length }] } : {}),
    }),
  );
}

/** A group photo message (e.g. a catcher bot's spawn), optionally with a caption. */
export function groupPhotoMessage(api: FakeBotApi, bytes: Buffer, from: User, caption?: string): Message {
  const extra: Partial<Message> = { photo: photoSizes(api, bytes) };
  if (caption) {
    const mentions = [...caption.matchAll(/@\w+/g)].map((x) => ({
      type: 'mention' as const,
      offset: x.index,
      length: x[0].length,
    }));
    Object.assign(extra, { caption, caption_entities: mentions });
  }
  return message(groupChat, from, extra);
}

export const groupUpdate = (m: Message): Update => update(m);

/** A command in the group, optionally as a reply to a message. */
export function groupCommand(text: string, from = alice, replyTo?: Message): Update {
  const cmd = /^\/\w+(@\w+)?/.exec(text)!;
  return update(
    message(groupChat, from, {
      text,
      entities: [{ type: 'bot_command', offset: 0, length: cmd[0].length }],
      ...(replyTo ? { reply_to_message: replyTo as any } : {}),
    }),
  );
}

/** The bot was added to the group. */
export function addedToGroup(api: FakeBotApi, by = alice): Update {
  return {
    update_id: nextUpdateId++,
    my_chat_member: {
      chat: groupChat,
      from: by,
      date: Math.floor(Date.now() / 1000),
      old_chat_member: { status: 'left', user: api.botInfo as unknown as User },
      new_chat_member: { status: 'member', user: api.botInfo as unknown as User },
    },
  } as Update;
}
