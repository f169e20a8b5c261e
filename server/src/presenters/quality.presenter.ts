/** API shapes of the data-quality queue. */
import type { QualityEntry } from '@waifudex/core/services/quality-queue.service';
import type { QualityPost } from '@waifudex/core/repos/quality-queue.repo';
import { imageUrl, type QualityEntry as QualityEntryDto } from '@waifudex/core/api/index';

function presentPost(p: QualityPost): QualityEntryDto['posts'][number] {
  return {
    artwork_id: p.artworkId,
    thumb_url: imageUrl(p.thumbPath),
    url: imageUrl(p.filePath),
    is_current: p.isCurrent,
    hidden: p.hidden,
    character: {
      id: p.characterId,
      name: p.characterName,
      anime: p.characterAnime,
      hidden: p.characterHidden,
      artwork_count: p.artworkCount,
    },
    raw_caption: p.rawCaption,
    parsed: {
      name: p.name,
      anime: p.anime,
      rarity: p.rarity,
      rarity_emoji: p.rarityEmoji,
      source_id: p.sourceId,
      variant: p.variant,
      caption_family: p.captionFamily,
      parse_confidence: p.parseConfidence,
      needs_review: p.needsReview,
    },
    channel_id: p.channelId,
    channel_title: p.channelTitle,
    message_id: p.messageId,
    posted_at: p.postedAt,
  };
}

const postUrl = (username: string | null, messageId: number) =>
  username ? `https://t.me/${encodeURIComponent(username)}/${messageId}` : null;

export function presentQualityEntry(e: QualityEntry): QualityEntryDto {
  const g = e.gap;
  const sk = e.skipped;
  return {
    kind: e.kind,
    key: e.key,
    posts: e.posts.map(presentPost),
    ...(e.distance !== undefined ? { distance: e.distance } : {}),
    ...(e.problem ? { problem: e.problem } : {}),
    ...(g
      ? {
          gap: {
            channel_id: g.channelId,
            channel_title: g.channelTitle,
            message_id: g.messageId,
            post_url: postUrl(g.channelUsername, g.messageId),
            reason: g.reason,
            attempts: g.attempts,
            last_error: g.lastError,
            first_seen_at: g.firstSeenAt,
            next_attempt_at: g.nextAttemptAt,
          },
        }
      : {}),
    ...(sk
      ? {
          skipped: {
            channel_id: sk.channelId,
            channel_title: sk.channelTitle,
            message_id: sk.messageId,
            post_url: postUrl(sk.channelUsername, sk.messageId),
            reason: sk.reason,
            caption: sk.caption,
            skipped_at: sk.skippedAt,
          },
        }
      : {}),
  };
}
