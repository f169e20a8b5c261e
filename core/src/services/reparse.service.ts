/**
 * Re-parses stored raw captions after the parser or a channel template changes: each artwork keeps its
 * post's parse, and a character takes the parse of its current artwork. Each channel's own statistics
 * (which side of its free-form captions is the series) are gathered first. Fields an admin edited by hand
 * are kept (unless overrideEdits). Artworks without a caption (an admin's replacement image) are left alone.
 */
import type { Db } from '../db/database.js';
import { parseCaption, normalizeForSearch } from '../captions/parse-caption.js';
import { compileTemplate } from '../captions/template.js';
import { applyCaption } from '../repos/characters.repo.js';
import { setArtworkCaption } from '../repos/artworks.repo.js';
import { listChannels, type Channel } from '../repos/channels.repo.js';
import type { ChannelContext } from '../captions/channel-context.js';
import { captionUpdate } from './ingest.service.js';
import { loadChannelContext } from './template-induction.service.js';

export interface ReparseResult {
  scanned: number;
  changed: number;
  needsReview: number;
  conflicts: Array<{ characterId: string; error: string }>;
}

export interface ReparseOptions {
  channelId?: string | null;
  overrideEdits?: boolean;
  dryRun?: boolean;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Only this character's artworks. */
  characterId?: string | null;
}

/** Re-parses every artwork's raw caption (optionally of one channel or one character). */
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
  const scope: string[] = ["raw_caption <> ''"];
  const scopeParams: unknown[] = [];
  if (o.channelId) scope.push(`channel_id = $${scopeParams.push(o.channelId) + 1}`);
  if (o.characterId) scope.push(`character_id = $${scopeParams.push(o.characterId) + 1}`);
  const filter = scope.map((f) => `AND ${f}`).join(' ');
  const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM artworks WHERE $1::bigint IS NOT NULL ${filter}`, ['0', ...scopeParams])).rows[0]!.n;
  const result: ReparseResult = { scanned: 0, changed: 0, needsReview: 0, conflicts: [] };
  let after = '0';
  for (;;) {
    const params: unknown[] = [after, ...scopeParams, o.batchSize ?? 500];
    const rows = (await db.query<{ id: string; character_id: string; channel_id: string | null; raw_caption: string; is_current: boolean }>(
      `SELECT id, character_id, channel_id, raw_caption, is_current FROM artworks WHERE id > $1 ${filter} ORDER BY id LIMIT $${params.length}`, params,
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
      if (o.dryRun) continue;
      try {
        const update = captionUpdate(row.raw_caption, parsed);
        await setArtworkCaption(db, row.id, update);
        if (!row.is_current) continue;
        const changed = await applyCaption(db, row.character_id, update, normalizeForSearch, o.overrideEdits);
        if (changed.length) result.changed++;
      } catch (err) {
        result.conflicts.push({ characterId: row.character_id, error: (err as Error).message });
      }
    }
    o.onProgress?.(result.scanned, total);
  }
  return result;
}
