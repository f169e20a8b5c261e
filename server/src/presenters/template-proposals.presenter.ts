/** Template proposals of a channel, as the API speaks them (snake_case). */
import type { ChannelTemplateProposals } from '@waifudex/core/services/template-induction.service';

export function presentTemplateProposals(p: ChannelTemplateProposals) {
  return {
    total: p.total,
    order: p.order,
    order_certainty: p.orderCertainty,
    freeform_posts: p.freeformPosts,
    proposals: p.proposals.map((x) => ({
      template: x.template,
      fields: x.fields,
      parsed: x.parsed,
      total: x.total,
      coverage: x.coverage,
      agreement: x.agreement,
      cluster_size: x.clusterSize,
      example: x.example,
    })),
  };
}
