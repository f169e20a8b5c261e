// Shared types of the caption parser. Kept free of runtime code so every module can import them.
import type { ChannelContext } from './channel-context.js';

/**
 * A Telegram formatting entity. GramJS objects carry `className` (e.g. "MessageEntityTextUrl");
 * Bot-API style objects carry `type` (e.g. "text_link"). Either is accepted.
 */
export interface CaptionEntity {
  type?: string;
  className?: string;
  offset: number;
  length: number;
  url?: string;
}

export interface CaptionFields {
  name: string | null;
  anime: string | null;
  rarity: string | null;
  rarityEmoji: string | null;
  sourceId: string | null;
  variant: string | null;
}

/** character: a character post; event: a bot spawn/despawn/claim message; not_character: anything else. */
export type CaptionKind = 'character' | 'event' | 'not_character';

export interface ParsedCaption extends CaptionFields {
  kind: CaptionKind;
  /** Which extractor produced the fields (template, labeled, id_colon, freeform, …). */
  family: string;
  /** 0..1; below NEEDS_REVIEW_THRESHOLD the caption is flagged for an admin. */
  confidence: number;
  needsReview: boolean;
}

export type TemplateField = 'name' | 'anime' | 'rarity' | 'rarity_emoji' | 'source_id' | 'variant';

export type TemplateMatch =
  { ok: true; fields: Partial<Record<TemplateField, string>> } | { ok: false; reason: string };

/** Result of compileTemplate: immutable, reusable across captions. */
export interface CompiledTemplate {
  readonly kind: 'pattern' | 'regex';
  readonly source: string;
  readonly fields: readonly TemplateField[];
  /** Match against an already normalized caption (see normalizeCaptionText). */
  match(normalizedText: string): TemplateMatch;
}

export interface ParseOptions {
  /** Channel statistics (channel-context.ts) for the order of free-form captions. */
  channel?: ChannelContext | null;
  template?: CompiledTemplate | null;
  /** Per-channel emoji → rarity name, used only when a caption carries the emoji alone. */
  rarityEmojis?: Record<string, string> | null;
}
