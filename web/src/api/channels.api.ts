import { api } from './client';

/** A channel that feeds the gallery (GET /api/v1/admin/channels; camelCase as the server sends it). */
export interface ChannelDto {
  id: string;
  title: string;
  username: string | null;
  ref: string | null;
  peerId: string | null;
  enabled: boolean;
  captionTemplate: string | null;
  /** emoji → rarity name, used when a caption carries the emoji alone. */
  rarityEmojis: Record<string, string>;
  lastMessageId: number;
  lastSyncedAt: string | null;
  /** 'telegram', 'export' or 'local'. */
  source: string;
  lastError: string | null;
}

export interface ParsedFieldsDto {
  name: string | null; anime: string | null; rarity: string | null; rarityEmoji: string | null;
  sourceId: string | null; variant: string | null; family: string; confidence: number; needsReview: boolean;
}
/** Dry run of a template over the channel's stored captions (at most 20 failures and 20 samples). */
export interface TemplatePreviewDto {
  total: number;
  parsed: number;
  failed: Array<{ caption: string; reason: string }>;
  samples: Array<{ caption: string; result: ParsedFieldsDto }>;
}
export interface ReparseResultDto { scanned: number; changed: number; needsReview: number; conflicts: Array<{ characterId: string; error: string }> }
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
