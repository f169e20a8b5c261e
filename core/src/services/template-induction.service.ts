/**
 * Proposes a channel's caption template from its stored captions (captions/induce-template.ts) and
 * gathers the channel statistics that settle the order of free-form captions (channel-context.ts).
 * Re-parse uses the same statistics for past posts.
 */
import type { Queryable } from '../db/database.js';
import { buildChannelContext, type ChannelContext } from '../captions/channel-context.js';
import { proposeTemplates, type TemplateProposal } from '../captions/induce-template.js';

/** The newest captions of a channel are enough to see its layouts; more only costs time. */
export const INDUCTION_CAPTION_LIMIT = 5000;
const KNOWN_ANIME_LIMIT = 20_000;

/** A channel's post captions, newest first (each artwork keeps its post's). */
async function channelCaptions(q: Queryable, channelId: string, limit: number): Promise<string[]> {
  const r = await q.query<{ raw_caption: string }>(
    `SELECT raw_caption FROM artworks WHERE channel_id = $1 AND raw_caption <> '' ORDER BY id DESC LIMIT $2`,
    [channelId, limit],
  );
  return r.rows.map((x) => x.raw_caption);
}

/** Anime titles the gallery holds from other channels: this channel's own may be the swapped ones. */
async function knownAnimeElsewhere(q: Queryable, channelId: string): Promise<string[]> {
  const r = await q.query<{ anime: string }>(
    `SELECT DISTINCT anime FROM artworks WHERE anime IS NOT NULL AND channel_id IS DISTINCT FROM $1 LIMIT $2`,
    [channelId, KNOWN_ANIME_LIMIT],
  );
  return r.rows.map((x) => x.anime);
}

/** The channel statistics for parsing this channel's captions. */
export async function loadChannelContext(
  q: Queryable,
  channelId: string,
  limit = INDUCTION_CAPTION_LIMIT,
): Promise<ChannelContext> {
  const [captions, known] = await Promise.all([
    channelCaptions(q, channelId, limit),
    knownAnimeElsewhere(q, channelId),
  ]);
  return buildChannelContext(captions, { knownAnime: known });
}

export interface ChannelTemplateProposals {
  /** Captions the proposals were measured on. */
  total: number;
  /** Order of free-form captions the channel statistics settle (null: not enough evidence). */
  order: ChannelContext['order'];
  orderCertainty: number;
  freeformPosts: number;
  proposals: TemplateProposal[];
}

export async function proposeChannelTemplates(
  q: Queryable,
  channelId: string,
  o: { limit?: number; max?: number } = {},
): Promise<ChannelTemplateProposals> {
  const limit = o.limit ?? INDUCTION_CAPTION_LIMIT;
  const [captions, known] = await Promise.all([
    channelCaptions(q, channelId, limit),
    knownAnimeElsewhere(q, channelId),
  ]);
  const channel = buildChannelContext(captions, { knownAnime: known });
  return {
    total: captions.length,
    order: channel.order,
    orderCertainty: channel.certainty,
    freeformPosts: channel.pairs,
    proposals: proposeTemplates(captions, { channel, max: o.max ?? 3 }),
  };
}
