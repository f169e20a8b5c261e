import { api } from './client';

/** A channel that feeds the gallery (GET /api/v1/admin/channels; snake_case like the rest of the API). */
export interface ChannelDto {
  id: string;
  title: string;
  username: string | null;
  ref: string | null;
  peer_id: string | null;
  enabled: boolean;
  caption_template: string | null;
  /** emoji → rarity name, used when a caption carries the emoji alone. */
  rarity_emojis: Record<string, string>;
  last_message_id: number;
  last_synced_at: string | null;
  /** 'telegram', 'export' or 'local'. */
  source: string;
  last_error: string | null;
}

export interface ParsedFieldsDto {
  name: string | null; anime: string | null; rarity: string | null; rarity_emoji: string | null;
  source_id: string | null; variant: string | null; family: string; confidence: number; needs_review: boolean;
}
/** Dry run of a template over the channel's stored captions (at most 20 failures and 20 samples). */
export interface TemplatePreviewDto {
  total: number;
  parsed: number;
  failed: Array<{ caption: string; reason: string }>;
  samples: Array<{ caption: string; result: ParsedFieldsDto }>;
}
export interface ReparseResultDto { scanned: number; changed: number; needs_review: number; conflicts: Array<{ character_id: string; error: string }> }
export interface ParsingUpdate { caption_template?: string | null; rarity_emojis?: Record<string, string>; reparse?: boolean }

const base = '/api/v1/admin/channels';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const listChannels = async () => (await api<{ items: ChannelDto[] }>(base)).items;
export const addChannel = async (ref: string) =>
  (await api<{ channel: ChannelDto }>(base, { method: 'POST', body: JSON.stringify({ ref }) })).channel;
export const setChannelEnabled = async (id: string, enabled: boolean) =>
  (await api<{ channel: ChannelDto }>(one(id), { method: 'PATCH', body: JSON.stringify({ enabled }) })).channel;
export const previewTemplate = (id: string, template: string) =>
  api<TemplatePreviewDto>(`${one(id)}/template/preview`, { method: 'POST', body: JSON.stringify({ template }) });
export const saveParsing = (id: string, body: ParsingUpdate) =>
  api<{ channel: ChannelDto; reparsed: ReparseResultDto | null }>(`${one(id)}/parsing`, { method: 'PUT', body: JSON.stringify(body) });
