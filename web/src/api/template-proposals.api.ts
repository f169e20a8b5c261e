import type { TemplateProposals } from '@waifudex/core/api';
import { api } from './client';

/** Caption templates induced from a channel's stored captions (GET …/template/proposals), as the API contract says. */
export type TemplateProposalsDto = TemplateProposals;
export type TemplateProposalDto = TemplateProposals['proposals'][number];

export const fetchTemplateProposals = (channelId: string) =>
  api<TemplateProposalsDto>(`/api/v1/admin/channels/${encodeURIComponent(channelId)}/template/proposals`);
