/**
 * The admin panel's channel management: follow a channel by reference, turn it on or off, preview and
 * propose caption templates over its stored captions, save its parsing settings (and re-parse). The
 * routes validate the request shape and present the results; the rules live here.
 */
import type { Db } from '../db/database.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import {
  findChannelById,
  findChannelByRef,
  insertChannelRef,
  listChannels,
  setChannelEnabled,
  updateChannelParsing,
  type Channel,
} from '../repos/channels.repo.js';
import { listChannelRawCaptions } from '../repos/raw-captions.repo.js';
import { compileTemplate, previewTemplate, type TemplatePreview } from '../captions/template.js';
import { parseChannelRef } from '../telegram/channel-ref.js';
import { reparseCaptions, type ReparseResult } from './reparse.service.js';
import { proposeChannelTemplates, type ChannelTemplateProposals } from './template-induction.service.js';

/** How many stored captions a template preview runs over. */
const PREVIEW_CAPTIONS = 5000;

/** A channel's parsing settings; a field left out is kept as it is. */
export interface ChannelParsing {
  captionTemplate?: string | null | undefined;
  rarityEmojis?: Record<string, string> | undefined;
  /** Re-parse the channel's stored captions afterwards. */
  reparse: boolean;
}

/** The channel admin operations (see the file comment). */
export interface ChannelAdminService {
  list(): Promise<Channel[]>;
  /** Follows a channel by `@name`, t.me link or id; 400 for a reference that is none, 409 when followed. */
  add(ref: string): Promise<Channel>;
  setEnabled(id: string, enabled: boolean): Promise<Channel>;
  previewTemplate(id: string, template: string): Promise<TemplatePreview>;
  proposeTemplates(id: string): Promise<ChannelTemplateProposals>;
  saveParsing(id: string, p: ChannelParsing): Promise<{ channel: Channel; reparsed: ReparseResult | null }>;
}

function compileOr400(src: string): ReturnType<typeof compileTemplate> {
  try {
    return compileTemplate(src);
  } catch (err) {
    throw new BadRequestError(`invalid template: ${(err as Error).message}`, undefined, 'invalid_template');
  }
}

/** The channel admin service over `db`. */
export function createChannelAdminService(deps: { db: Db }): ChannelAdminService {
  const { db } = deps;
  const channelOr404 = async (id: string): Promise<Channel> => {
    const ch = await findChannelById(db, id);
    if (!ch) throw new NotFoundError(`channel ${id} not found`);
    return ch;
  };
  return {
    list: () => listChannels(db),
    async add(ref) {
      try {
        parseChannelRef(ref);
      } catch (err) {
        throw new BadRequestError((err as Error).message, undefined, 'invalid_channel');
      }
      if (await findChannelByRef(db, ref)) throw new ConflictError(`channel ${ref} is already followed`);
      return insertChannelRef(db, ref);
    },
    async setEnabled(id, enabled) {
      const channel = await setChannelEnabled(db, id, enabled);
      if (!channel) throw new NotFoundError(`channel ${id} not found`);
      return channel;
    },
    async previewTemplate(id, template) {
      await channelOr404(id);
      const compiled = compileOr400(template);
      return previewTemplate(compiled, await listChannelRawCaptions(db, id, PREVIEW_CAPTIONS));
    },
    async proposeTemplates(id) {
      await channelOr404(id);
      return proposeChannelTemplates(db, id);
    },
    async saveParsing(id, p) {
      await channelOr404(id);
      if (p.captionTemplate) compileOr400(p.captionTemplate);
      const channel = await updateChannelParsing(db, id, {
        captionTemplate: p.captionTemplate,
        rarityEmojis: p.rarityEmojis,
      });
      if (!channel) throw new NotFoundError(`channel ${id} not found`); // deleted meanwhile
      const reparsed = p.reparse ? await reparseCaptions(db, { channelId: id }) : null;
      return { channel, reparsed };
    },
  };
}
