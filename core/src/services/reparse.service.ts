/**
 * Re-parses stored raw captions after the parser or a channel template changes: each artwork keeps its
 * post's parse, and a character takes the parse of its current artwork. Each channel's own statistics
 * (which side of its free-form captions is the series) are gathered first. Fields an admin edited by hand
 * are kept (unless overrideEdits). Artworks without a caption (an admin's replacement image) are left alone.
 */
import type { Db } from '../db/database.js';
import { parseCaption, normalizeForSearch } from '../captions/parse-caption.js';
import { compileTemplate } from '../captions/template.js';
import { applyCaption, hideUneditedForReview } from '../repos/characters.repo.js';
import { setArtworkCaption } from '../repos/artworks.repo.js';
import { nonCharacterReason } from '../captions/character-post.js';
import { listChannels, type Channel } from '../repos/channels.repo.js';
import type { ChannelContext } from '../captions/channel-context.js';
import { captionUpdate } from './ingest.service.js';
import { loadChannelContext } from './template-induction.service.js';

export interface ReparseResult {
  scanned: number;
  changed: number;
  /** Ids of the characters whose fields changed. */
  changedIds: string[];
  needsReview: number;
  /** Stored posts whose caption now reads as a bot event or no character: hidden and flagged for review. */
  hiddenNotCharacter: number;
  conflicts: Array<{ characterId: string; error: string }>;
}

export interface ReparseOptions {
  channelId?: string | null;
  /** Only these characters (a bulk action from the admin list). */
  ids?: string[];
  overrideEdits?: boolean;
  dryRun?: boolean;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Re-parses every artwork's raw caption (optionally of one channel's posts or of some characters). */
export async function reparseCaptions(db: Db, o: ReparseOptions = {}): Promise<ReparseResult> {
  const channels = new Map<string, Channel>((await listChannels(db)).map((c) => [c.id, c]));
  const templates = new Map<string, ReturnType<typeof compileTemplate> | null>();
  const templateOf = (ch: Channel | undefined) => {
    if (!ch?.captionTemplate) return null;
    if (!templates.has(ch.id)) {
      try {
        templates.set(ch.id, compileTemplate(ch.captionTemplate));
      } catch {
        templates.set(ch.id, null);
      }
    }
    return templates.get(ch.id) ?? null;
  };
  const contexts = new Map<string, ChannelContext>();
  const contextOf = async (channelId: string | null): Promise<ChannelContext | null> => {
    if (!channelId) return null;
    if (!contexts.has(channelId)) contexts.set(channelId, await loadChannelContext(db, channelId));
    return contexts.get(channelId)!;
  };
  // trashed characters are left as they were deleted
  const scope: unknown[] = [];
  let filter = "AND a.raw_caption <> '' AND c.deleted_at IS NULL AND a.deleted_at IS NULL";
  if (o.channelId) filter += ` AND a.channel_id = $${scope.push(o.channelId) + 1}`;
  if (o.ids) filter += ` AND a.character_id = ANY($${scope.push(o.ids) + 1}::bigint[])`;
  const FROM = 'FROM artworks a JOIN characters c ON c.id = a.character_id';
  const countFilter = filter.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) - 1}`);
  const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n ${FROM} WHERE true ${countFilter}`, scope)).rows[0]!.n;
  const result: ReparseResult = { scanned: 0, changed: 0, changedIds: [], needsReview: 0, hiddenNotCharacter: 0, conflicts: [] };
  let after = '0';
  for (;;) {
    const params: unknown[] = [after, ...scope];
    params.push(o.batchSize ?? 500);
    const rows = (await db.query<{ id: string; character_id: string; channel_id: string | null; raw_caption: string; is_current: boolean }>(
      `SELECT a.id, a.character_id, a.channel_id, a.raw_caption, a.is_current ${FROM} WHERE a.id > $1 ${filter} ORDER BY a.id LIMIT $${params.length}`,
      params,
    )).rows;
    if (!rows.length) break;
    for (const row of rows) {
      after = row.id;
      result.scanned++;
      const ch = row.channel_id ? channels.get(row.channel_id) : undefined;
      const parsed = parseCaption(row.raw_caption, null, {
        template: templateOf(ch), rarityEmojis: ch?.rarityEmojis ?? null, channel: await contextOf(row.channel_id),
      });
      if (parsed.needsReview) result.needsReview++;
      const notCharacter = nonCharacterReason(parsed, row.raw_caption) !== null;
      if (o.dryRun) {
        if (notCharacter && row.is_current) result.hiddenNotCharacter++;
        continue;
      }
      try {
        const update = captionUpdate(row.raw_caption, parsed);
        await setArtworkCaption(db, row.id, update);
        if (!row.is_current) continue;
        const changed = await applyCaption(db, row.character_id, update, normalizeForSearch, o.overrideEdits);
        if (changed.length) {
          result.changed++;
          result.changedIds.push(row.character_id);
        }
        // Posts stored before the parser knew them (spawn messages, legends) leave the gallery; an admin who
        // named one by hand keeps it.
        if (notCharacter && (await hideUneditedForReview(db, row.character_id))) result.hiddenNotCharacter++;
      } catch (err) {
        result.conflicts.push({ characterId: row.character_id, error: (err as Error).message });
      }
    }
    o.onProgress?.(result.scanned, total);
  }
  return result;
}
