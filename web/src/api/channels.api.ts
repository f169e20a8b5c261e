import type { Channel, ParsingSaved, TemplatePreview } from '@waifudex/core/api';
import { api } from './client';

/** A channel that feeds the gallery, a template dry run, a re-parse: the API contract's types. */
export type ChannelDto = Channel;
export type TemplatePreviewDto = TemplatePreview;
export type ReparseResultDto = NonNullable<ParsingSaved['reparsed']>;
export interface ParsingUpdate {
  caption_template?: string | null;
  rarity_emojis?: Record<string, string>;
  reparse?: boolean;
}

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
  api<{ channel: ChannelDto; reparsed: ReparseResultDto | null }>(`${one(id)}/parsing`, {
    method: 'PUT',
    body: JSON.stringify(body),
  });
