/**
 * Re-parses stored raw captions after the parser or a channel template changes. Each channel's own
 * statistics (which side of its free-form captions is the series) are gathered first. Fields an admin edited
 * by hand are kept (unless overrideEdits); a new source id that collides with another character of the
 * channel is reported, not forced.
 */
import type { Db } from '../db/database.js';
import { parseCaption, normalizeForSearch } from '../captions/parse-caption.js';
import { channelTemplates } from '../captions/channel-templates.js';
import { applyCaption } from '../repos/characters.repo.js';
import { listChannels, type Channel } from '../repos/channels.repo.js';
import type { ChannelContext } from '../captions/channel-context.js';
import { captionUpdate } from './ingest.service.js';
import { loadChannelContext } from './template-induction.service.js';
import { countCharacters, listRawCaptionsAfter } from '../repos/raw-captions.repo.js';

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
}

/** Re-parses every character's raw caption (optionally of one channel). */
export async function reparseCaptions(db: Db, o: ReparseOptions = {}): Promise<ReparseResult> {
  const channels = new Map<string, Channel>((await listChannels(db)).map((c) => [c.id, c]));
  const templateOf = channelTemplates();
  const contexts = new Map<string, ChannelContext>();
  const contextOf = async (channelId: string | null): Promise<ChannelContext | null> => {
    if (!channelId) return null;
    if (!contexts.has(channelId)) contexts.set(channelId, await loadChannelContext(db, channelId));
    return contexts.get(channelId)!;
  };
  const total = await countCharacters(db, o.channelId);
  const result: ReparseResult = { scanned: 0, changed: 0, needsReview: 0, conflicts: [] };
  let after = '0';
  for (;;) {
    const rows = await listRawCaptionsAfter(db, after, o.batchSize ?? 500, o.channelId);
    if (!rows.length) break;
    for (const row of rows) {
      after = row.id;
      result.scanned++;
      const ch = row.channelId ? channels.get(row.channelId) : undefined;
      const parsed = parseCaption(row.rawCaption, null, {
        template: templateOf(ch), rarityEmojis: ch?.rarityEmojis ?? null, channel: await contextOf(row.channelId),
      });
      if (parsed.needsReview) result.needsReview++;
      if (o.dryRun) continue;
      try {
        const changed = await applyCaption(db, row.id, captionUpdate(row.rawCaption, parsed), normalizeForSearch, o.overrideEdits);
        if (changed.length) result.changed++;
      } catch (err) {
        result.conflicts.push({ characterId: row.id, error: (err as Error).message });
      }
    }
    o.onProgress?.(result.scanned, total);
  }
  return result;
}
