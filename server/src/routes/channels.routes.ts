/** Admin: channels, their caption template and emoji→rarity table, template preview and proposals, bulk re-parse. */
import { Router, type RequestHandler } from 'express';
import type { Db } from '@waifudex/core/db/database';
import {
  findChannelById,
  findChannelByRef,
  insertChannelRef,
  listChannels,
  setChannelEnabled,
  updateChannelParsing,
} from '@waifudex/core/repos/channels.repo';
import { parseChannelRef } from '@waifudex/core/telegram/channel-ref';
import { compileTemplate, previewTemplate } from '@waifudex/core/captions/template';
import { reparseCaptions } from '@waifudex/core/services/reparse.service';
import { proposeChannelTemplates } from '@waifudex/core/services/template-induction.service';
import { presentTemplateProposals } from '../presenters/template-proposals.presenter.js';
import { BadRequestError, ConflictError, NotFoundError } from '@waifudex/core/errors';
import { addChannelBody, channelPatchBody, idParams, parsingBody, templatePreviewBody } from '@waifudex/core/api/index';
import { parseOr400 } from '../middleware/validate.js';
import { presentChannel, presentReparse, presentTemplatePreview } from '../presenters/channel.presenter.js';
import { listChannelRawCaptions } from '@waifudex/core/repos/raw-captions.repo';

function compileOr400(src: string) {
  try {
    return compileTemplate(src);
  } catch (err) {
    throw new BadRequestError(`invalid template: ${(err as Error).message}`, undefined, 'invalid_template');
  }
}

async function channelOr404(db: Db, id: string) {
  const ch = await findChannelById(db, id);
  if (!ch) throw new NotFoundError(`channel ${id} not found`);
  return ch;
}

export function channelRoutes(deps: { db: Db; requireAdmin: RequestHandler }): Router {
  const r = Router();
  r.use('/api/v1/admin/channels', deps.requireAdmin);
  r.get('/api/v1/admin/channels', async (_req, res) => {
    res.json({ items: (await listChannels(deps.db)).map(presentChannel) });
  });
  r.post('/api/v1/admin/channels', async (req, res) => {
    const { ref } = parseOr400(addChannelBody, req.body, 'body');
    try {
      parseChannelRef(ref);
    } catch (err) {
      throw new BadRequestError((err as Error).message, undefined, 'invalid_channel');
    }
    if (await findChannelByRef(deps.db, ref)) throw new ConflictError(`channel ${ref} is already followed`);
    res.status(201).json({ channel: presentChannel(await insertChannelRef(deps.db, ref)) });
  });
  r.patch('/api/v1/admin/channels/:id', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { enabled } = parseOr400(channelPatchBody, req.body, 'body');
    const channel = await setChannelEnabled(deps.db, id, enabled);
    if (!channel) throw new NotFoundError(`channel ${id} not found`);
    res.json({ channel: presentChannel(channel) });
  });
  r.post('/api/v1/admin/channels/:id/template/preview', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const { template } = parseOr400(templatePreviewBody, req.body, 'body');
    await channelOr404(deps.db, id);
    const compiled = compileOr400(template);
    const captions = await listChannelRawCaptions(deps.db, id, 5000);
    res.json(presentTemplatePreview(previewTemplate(compiled, captions)));
  });
  // Templates induced from the channel's stored captions, with their coverage.
  r.get('/api/v1/admin/channels/:id/template/proposals', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    await channelOr404(deps.db, id);
    res.json(presentTemplateProposals(await proposeChannelTemplates(deps.db, id)));
  });
  r.put('/api/v1/admin/channels/:id/parsing', async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'path');
    const body = parseOr400(parsingBody, req.body, 'body');
    await channelOr404(deps.db, id);
    if (body.caption_template) compileOr400(body.caption_template);
    const channel = await updateChannelParsing(deps.db, id, {
      captionTemplate: body.caption_template,
      rarityEmojis: body.rarity_emojis,
    });
    const reparsed = body.reparse ? await reparseCaptions(deps.db, { channelId: id }) : null;
    res.json({ channel: presentChannel(channel!), reparsed: reparsed && presentReparse(reparsed) });
  });
  return r;
}
