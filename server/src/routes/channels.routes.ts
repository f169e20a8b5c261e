/** Admin: channels, their caption template and emoji→rarity table, template preview and proposals, bulk re-parse. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import { createChannelAdminService } from '@waifudex/core/services/channel-admin.service';
import { addChannelBody, channelPatchBody, idParams, parsingBody, templatePreviewBody } from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { presentTemplateProposals } from '../presenters/template-proposals.presenter.js';
import { presentChannel, presentParsingSaved, presentTemplatePreview } from '../presenters/channel.presenter.js';

export function channelRoutes(deps: { db: Db; requireAdmin: RequestHandler }): Router {
  const channels = createChannelAdminService({ db: deps.db });
  const r = Router();
  r.use('/api/v1/admin/channels', deps.requireAdmin);
  r.get('/api/v1/admin/channels', async (_req, res) => {
    res.json({ items: (await channels.list()).map(presentChannel) });
  });
  r.post('/api/v1/admin/channels', async (req, res) => {
    const { ref } = parseOr400(addChannelBody, req.body, 'body');
    res.status(201).json({ channel: presentChannel(await channels.add(ref)) });
  });
  r.patch('/api/v1/admin/channels/:id', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { enabled } = parseOr400(channelPatchBody, req.body, 'body');
    res.json({ channel: presentChannel(await channels.setEnabled(id, enabled)) });
  });
  r.post('/api/v1/admin/channels/:id/template/preview', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { template } = parseOr400(templatePreviewBody, req.body, 'body');
    res.json(presentTemplatePreview(await channels.previewTemplate(id, template)));
  });
  // Templates induced from the channel's stored captions, with their coverage.
  r.get('/api/v1/admin/channels/:id/template/proposals', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    res.json(presentTemplateProposals(await channels.proposeTemplates(id)));
  });
  r.put('/api/v1/admin/channels/:id/parsing', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const body = parseOr400(parsingBody, req.body, 'body');
    const saved = await channels.saveParsing(id, {
      captionTemplate: body.caption_template,
      rarityEmojis: body.rarity_emojis,
      reparse: body.reparse,
    });
    res.json(presentParsingSaved(saved));
  });
  return r;
}
