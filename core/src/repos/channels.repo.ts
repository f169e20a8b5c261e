/** SQL for channels (Telegram channels, exports and local folders that feed the gallery). */
import type { Queryable } from '../db/database.js';
import { isoOrNull } from './rows.js';

export interface Channel {
  id: string;
  peerId: string | null;
  accessHash: string | null;
  username: string | null;
  inviteLink: string | null;
  title: string;
  captionTemplate: string | null;
  rarityEmojis: Record<string, string>;
  lastMessageId: number;
  lastSyncedAt: string | null;
  enabled: boolean;
  /** How the channel was configured (TELEGRAM_CHANNELS entry or admin input), resolved once. */
  ref: string | null;
  /** 'telegram' (synced through the API), 'export' (Telegram Desktop export) or 'local'. */
  source: string;
  /** Last sync problem shown in the admin panel (null when the last run went fine). */
  lastError: string | null;
}

function toChannel(r: any): Channel {
  return {
    id: r.id,
    peerId: r.peer_id,
    accessHash: r.access_hash,
    username: r.username,
    inviteLink: r.invite_link,
    title: r.title,
    captionTemplate: r.caption_template,
    rarityEmojis: r.rarity_emojis ?? {},
    lastMessageId: Number(r.last_message_id),
    lastSyncedAt: isoOrNull(r.last_synced_at),
    enabled: r.enabled,
    ref: r.ref ?? null,
    source: r.source ?? 'telegram',
    lastError: r.last_error ?? null,
  };
}

/** Every channel, oldest first. */
export async function listChannels(q: Queryable): Promise<Channel[]> {
  const r = await q.query('SELECT * FROM channels ORDER BY id');
  return r.rows.map(toChannel);
}

/** The channel or null. */
export async function findChannelById(q: Queryable, id: string): Promise<Channel | null> {
  const r = await q.query('SELECT * FROM channels WHERE id = $1', [id]);
  return r.rows[0] ? toChannel(r.rows[0]) : null;
}

/** The channel with this Telegram peer id or null. */
export async function findChannelByPeerId(q: Queryable, peerId: string): Promise<Channel | null> {
  const r = await q.query('SELECT * FROM channels WHERE peer_id = $1', [peerId]);
  return r.rows[0] ? toChannel(r.rows[0]) : null;
}

/**
 * Finds or creates the channel for a Telegram peer id, updating its title/username/access hash.
 * Used by sync (after resolving once) and by Telegram Desktop export import.
 */
export async function upsertChannelByPeer(
  q: Queryable,
  c: {
    peerId: string;
    title: string;
    username?: string | null;
    accessHash?: string | null;
    inviteLink?: string | null;
  },
): Promise<Channel> {
  const r = await q.query(
    `INSERT INTO channels (peer_id, title, username, access_hash, invite_link) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (peer_id) DO UPDATE SET title = EXCLUDED.title,
       username = coalesce(EXCLUDED.username, channels.username),
       access_hash = coalesce(EXCLUDED.access_hash, channels.access_hash),
       invite_link = coalesce(EXCLUDED.invite_link, channels.invite_link), updated_at = now()
     RETURNING *`,
    [c.peerId, c.title, c.username ?? null, c.accessHash ?? null, c.inviteLink ?? null],
  );
  return toChannel(r.rows[0]);
}

/** Finds or creates a channel for a local folder import (no Telegram peer), keyed by its title. */
export async function ensureLocalChannel(q: Queryable, title: string): Promise<Channel> {
  const found = await q.query("SELECT * FROM channels WHERE source = 'local' AND title = $1 ORDER BY id LIMIT 1", [
    title,
  ]);
  if (found.rows[0]) return toChannel(found.rows[0]);
  const r = await q.query("INSERT INTO channels (title, source) VALUES ($1, 'local') RETURNING *", [title]);
  return toChannel(r.rows[0]);
}

/** Advances the resume point; never moves it backwards. */
export async function advanceLastMessageId(q: Queryable, channelId: string, messageId: number): Promise<void> {
  await q.query(
    'UPDATE channels SET last_message_id = greatest(last_message_id, $2), last_synced_at = now(), updated_at = now() WHERE id = $1',
    [channelId, messageId],
  );
}

/** Sets or clears a channel's caption template and emoji→rarity table. */
export async function updateChannelParsing(
  q: Queryable,
  id: string,
  p: { captionTemplate?: string | null; rarityEmojis?: Record<string, string> },
): Promise<Channel | null> {
  const r = await q.query(
    `UPDATE channels SET caption_template = CASE WHEN $2 THEN $3 ELSE caption_template END,
        rarity_emojis = coalesce($4::jsonb, rarity_emojis), updated_at = now() WHERE id = $1 RETURNING *`,
    [
      id,
      p.captionTemplate !== undefined,
      p.captionTemplate ?? null,
      p.rarityEmojis ? JSON.stringify(p.rarityEmojis) : null,
    ],
  );
  return r.rows[0] ? toChannel(r.rows[0]) : null;
}

/** The channel configured with this reference (case-insensitive), or null. */
export async function findChannelByRef(q: Queryable, ref: string): Promise<Channel | null> {
  const r = await q.query('SELECT * FROM channels WHERE lower(ref) = lower($1)', [ref]);
  return r.rows[0] ? toChannel(r.rows[0]) : null;
}

/** The channel with this username (case-insensitive), or null. */
export async function findChannelByUsername(q: Queryable, username: string): Promise<Channel | null> {
  const r = await q.query('SELECT * FROM channels WHERE lower(username) = lower($1)', [username]);
  return r.rows[0] ? toChannel(r.rows[0]) : null;
}

/** Enabled channels synced through the Telegram API, oldest first. */
export async function listSyncableChannels(q: Queryable): Promise<Channel[]> {
  const r = await q.query(
    `SELECT * FROM channels WHERE enabled AND source = 'telegram'
       AND (peer_id IS NOT NULL OR ref IS NOT NULL OR username IS NOT NULL OR invite_link IS NOT NULL) ORDER BY id`,
  );
  return r.rows.map(toChannel);
}

/**
 * Remembers a resolved Telegram channel (peer id + access hash) for a configured reference. Merges
 * with an existing row for the same peer (e.g. one created by an export import, which then continues
 * from that import's last message) or for the same row id (an admin-added channel resolved the first time).
 */
export async function rememberResolvedChannel(
  q: Queryable,
  c: {
    rowId?: string | null;
    ref: string | null;
    peerId: string;
    accessHash: string | null;
    title: string;
    username: string | null;
    inviteLink?: string | null;
  },
): Promise<Channel> {
  const byPeer = await findChannelByPeerId(q, c.peerId);
  const targetId = byPeer?.id ?? c.rowId ?? null;
  if (targetId) {
    if (c.ref)
      await q.query('UPDATE channels SET ref = NULL WHERE lower(ref) = lower($1) AND id <> $2', [c.ref, targetId]);
    const r = await q.query(
      `UPDATE channels SET peer_id = $2, access_hash = coalesce($3, access_hash), title = $4,
          username = coalesce($5, username), ref = coalesce($6, ref), invite_link = coalesce($7, invite_link),
          source = 'telegram', updated_at = now()
        WHERE id = $1 RETURNING *`,
      [targetId, c.peerId, c.accessHash, c.title, c.username, c.ref, c.inviteLink ?? null],
    );
    return toChannel(r.rows[0]);
  }
  const r = await q.query(
    `INSERT INTO channels (peer_id, access_hash, title, username, ref, invite_link, source)
     VALUES ($1, $2, $3, $4, $5, $6, 'telegram') RETURNING *`,
    [c.peerId, c.accessHash, c.title, c.username, c.ref, c.inviteLink ?? null],
  );
  return toChannel(r.rows[0]);
}

/** Finds or creates the channel of a Telegram Desktop export, keyed by the export's channel id. */
export async function upsertExportChannel(q: Queryable, c: { peerId: string; title: string }): Promise<Channel> {
  const r = await q.query(
    `INSERT INTO channels (peer_id, title, source) VALUES ($1, $2, 'export')
     ON CONFLICT (peer_id) DO UPDATE SET title = CASE WHEN channels.title = '' THEN EXCLUDED.title ELSE channels.title END
     RETURNING *`,
    [c.peerId, c.title],
  );
  return toChannel(r.rows[0]);
}

/** Records (or clears with null) the channel's last sync problem. */
export async function setChannelError(q: Queryable, id: string, error: string | null): Promise<void> {
  await q.query(
    'UPDATE channels SET last_error = $2, updated_at = now() WHERE id = $1 AND last_error IS DISTINCT FROM $2',
    [id, error],
  );
}

/** Adds a channel to follow by its reference (admin panel); the sync resolves it on its next run. */
export async function insertChannelRef(q: Queryable, ref: string): Promise<Channel> {
  const r = await q.query(`INSERT INTO channels (ref, title, source) VALUES ($1, $1, 'telegram') RETURNING *`, [ref]);
  return toChannel(r.rows[0]);
}

/** Turns syncing of a channel on or off. */
export async function setChannelEnabled(q: Queryable, id: string, enabled: boolean): Promise<Channel | null> {
  const r = await q.query('UPDATE channels SET enabled = $2, updated_at = now() WHERE id = $1 RETURNING *', [
    id,
    enabled,
  ]);
  return r.rows[0] ? toChannel(r.rows[0]) : null;
}
