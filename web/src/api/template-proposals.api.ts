import { api } from './client';

/** A caption template induced from a channel's stored captions (GET …/template/proposals). */
export interface TemplateProposalDto {
  template: string;
  fields: string[];
  parsed: number;
  total: number;
  /** parsed / total, 0..1. */
  coverage: number;
  /** Share of the parsed posts that give the same name as the built-in parser. */
  agreement: number;
  cluster_size: number;
  example: string;
}
export interface TemplateProposalsDto {
  total: number;
  /** Order of free-form captions the channel's statistics settle. */
  order: 'name_first' | 'series_first' | null;
  order_certainty: number;
  freeform_posts: number;
  proposals: TemplateProposalDto[];
}

export const fetchTemplateProposals = (channelId: string) =>
  api<TemplateProposalsDto>(`/api/v1/admin/channels/${encodeURIComponent(channelId)}/template/proposals`);
