/** Parsing of channel references (TELEGRAM_CHANNELS entries, admin input): pure, no GramJS. */

export type ParsedChannelRef =
  { kind: 'username'; username: string } | { kind: 'invite'; hash: string } | { kind: 'id'; peerId: string };

/** `@name`, `name`, `https://t.me/name`, `t.me/+HASH`, `t.me/joinchat/HASH`, `t.me/c/1234567890/5`, `-1001234567890`, `1234567890`. */
export function parseChannelRef(input: string): ParsedChannelRef {
  const ref = input.trim();
  const num = /^-?\d+$/.exec(ref);
  if (num) {
    // Bot-API style marked ids (-100…) → bare channel id, as in Api.Channel.id and Desktop exports
    const bare = ref.startsWith('-100') ? ref.slice(4) : ref.replace(/^-/, '');
    return { kind: 'id', peerId: String(BigInt(bare)) };
  }
  const link = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\/(.+)$/i.exec(ref);
  if (link) {
    const rest = link[1]!.replace(/[?#].*$/, '').replace(/\/+$/, '');
    const invite = /^(?:\+|joinchat\/)([\w-]+)$/.exec(rest);
    if (invite) return { kind: 'invite', hash: invite[1]! };
    // a private channel's post link: t.me/c/<bare channel id>/<post>
    const priv = /^c\/(\d+)(?:\/\d+)*$/.exec(rest);
    if (priv) return { kind: 'id', peerId: String(BigInt(priv[1]!)) };
    const name = /^(?:s\/)?([A-Za-z][\w]{3,31})(?:\/\d+)?$/.exec(rest);
    if (name) return { kind: 'username', username: name[1]! };
    throw new Error(`not a channel link: ${input}`);
  }
  const tg = /^tg:\/\/resolve\?domain=([A-Za-z][\w]{3,31})/.exec(ref);
  if (tg) return { kind: 'username', username: tg[1]! };
  const name = /^@?([A-Za-z][\w]{3,31})$/.exec(ref);
  if (name) return { kind: 'username', username: name[1]! };
  throw new Error(`not a channel reference (username, t.me link or numeric id): ${input}`);
}
