/** API shapes of channels, template previews and re-parse results: snake_case, no Telegram internals (access hash). */
import type { Channel } from '@waifudex/core/repos/channels.repo';
import type { TemplatePreview } from '@waifudex/core/captions/template';
import type { ReparseResult } from '@waifudex/core/services/reparse.service';
import type {
  Channel as ChannelDto,
  ParsingSaved,
  TemplatePreview as TemplatePreviewDto,
  reparseResult,
} from '@waifudex/core/api/index';
import type { z } from 'zod';

export function presentChannel(c: Channel): ChannelDto {
  return {
    id: c.id,
    title: c.title,
    username: c.username,
    ref: c.ref,
    peer_id: c.peerId,
    enabled: c.enabled,
    caption_template: c.captionTemplate,
    rarity_emojis: c.rarityEmojis,
    last_message_id: c.lastMessageId,
    last_synced_at: c.lastSyncedAt,
    source: c.source,
    last_error: c.lastError,
  };
}

export function presentTemplatePreview(p: TemplatePreview): TemplatePreviewDto {
  return {
    total: p.total,
    parsed: p.parsed,
    failed: p.failed,
    samples: p.samples.map(({ caption, result: r }) => ({
      caption,
      result: {
        name: r.name,
        anime: r.anime,
        rarity: r.rarity,
        rarity_emoji: r.rarityEmoji,
        source_id: r.sourceId,
        variant: r.variant,
        family: r.family,
        confidence: r.confidence,
        needs_review: r.needsReview,
      },
    })),
  };
}

export function presentReparse(r: ReparseResult): z.infer<typeof reparseResult> {
  return {
    scanned: r.scanned,
    changed: r.changed,
    needs_review: r.needsReview,
    hidden_not_character: r.hiddenNotCharacter,
    conflicts: r.conflicts.map((c) => ({ character_id: c.characterId, error: c.error })),
  };
}

/** The answer to saving a channel's parsing settings: the channel, and the re-parse when one ran. */
export function presentParsingSaved(s: { channel: Channel; reparsed: ReparseResult | null }): ParsingSaved {
  return { channel: presentChannel(s.channel), reparsed: s.reparsed && presentReparse(s.reparsed) };
}
