/**
 * Re-parses stored raw captions after the parser or a channel template changes: each artwork keeps its
 * post's parse, and a character takes the parse of its current artwork. Each channel's own statistics
 * (which side of its free-form captions is the series) are gathered first. Fields an admin edited by hand
 * are kept (unless overrideEdits). Artworks without a caption (an admin's replacement image) are left alone.
 */
import type { Db } from '../db/database.js';
import { parseCaption, normalizeForSearch } from '../captions/parse-caption.js';
import { channelTemplates } from '../captions/channel-templates.js';
import { applyCaption, hideUneditedForReview } from '../repos/characters.repo.js';
import { setArtworkCaption } from '../repos/artworks.repo.js';
import { nonCharacterReason } from '../captions/character-post.js';
import { listChannels, type Channel } from '../repos/channels.repo.js';
import type { ChannelContext } from '../captions/channel-context.js';
import { captionUpdate } from './ingest.service.js';
import { loadChannelContext } from './template-induction.service.js';
import { countArtworkCaptions, listArtworkCaptionsAfter } from '../repos/raw-captions.repo.js';

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
  const templateOf = channelTemplates();
  const contexts = new Map<string, ChannelContext>();
  const contextOf = async (channelId: string | null): Promise<ChannelContext | null> => {
    if (!channelId) return null;
    if (!contexts.has(channelId)) contexts.set(channelId, await loadChannelContext(db, channelId));
    return contexts.get(channelId)!;
  };
  const scope = { channelId: o.channelId, characterIds: o.ids };
  const total = await countArtworkCaptions(db, scope);
  const result: ReparseResult = {
    scanned: 0,
    changed: 0,
    changedIds: [],
    needsReview: 0,
    hiddenNotCharacter: 0,
    conflicts: [],
  };
  let after = '0';
  for (;;) {
    const rows = await listArtworkCaptionsAfter(db, after, o.batchSize ?? 500, scope);
    if (!rows.length) break;
    for (const row of rows) {
      after = row.id;
      result.scanned++;
      const ch = row.channelId ? channels.get(row.channelId) : undefined;
      const parsed = parseCaption(row.rawCaption, null, {
        template: templateOf(ch),
        rarityEmojis: ch?.rarityEmojis ?? null,
        channel: await contextOf(row.channelId),
      });
      if (parsed.needsReview) result.needsReview++;
      const notCharacter = nonCharacterReason(parsed, row.rawCaption) !== null;
      if (o.dryRun) {
        if (notCharacter && row.isCurrent) result.hiddenNotCharacter++;
        continue;
      }
      try {
        const update = captionUpdate(row.rawCaption, parsed);
        await setArtworkCaption(db, row.id, update);
        if (!row.isCurrent) continue;
        const changed = await applyCaption(db, row.characterId, update, normalizeForSearch, o.overrideEdits);
        if (changed.length) {
          result.changed++;
          result.changedIds.push(row.characterId);
        }
        // Posts stored before the parser knew them (spawn messages, legends) leave the gallery; an admin who
        // named one by hand keeps it.
        if (notCharacter && (await hideUneditedForReview(db, row.characterId))) result.hiddenNotCharacter++;
      } catch (err) {
        result.conflicts.push({ characterId: row.characterId, error: (err as Error).message });
      }
    }
    o.onProgress?.(result.scanned, total);
  }
  return result;
}
