/**
 * What a channel sync applies besides new images: caption edits (re-parsed, an admin's hand edits kept),
 * deleted posts (hidden, never destroyed) and reposts (a known character id posted again), each recorded
 * in character_changes. Used by the Telegram sync, its live mode and the Telegram Desktop export import.
 */
import type { Db, Queryable } from '../db/database.js';
import type { ParsedCaption } from '../captions/types.js';
import type { Channel } from '../repos/channels.repo.js';
import {
  applyCaption,
  findCharacterById,
  setCharacterHidden,
  CHARACTER_FIELD_COLUMNS,
  type Character,
  type CharacterFields,
} from '../repos/characters.repo.js';
import { recordCharacterChange } from '../repos/character-changes.repo.js';
import {
  countVisibleArtworks,
  findStoredMessages,
  hideArtwork,
  type StoredMessage,
} from '../repos/sync-messages.repo.js';
import { setArtworkCaption } from '../repos/artworks.repo.js';

export type CaptionEntities = Array<{ type: string; offset: number; length: number; url?: string }>;

export interface SyncApplyDeps {
  db: Db;
  /** The ingest service's parse (channel template and emoji table applied). */
  parse: (caption: string, channel: Channel | null, entities: CaptionEntities | null) => ParsedCaption;
  normalize: (s: string) => string;
}

export interface SyncApplyService {
  /**
   * Applies a (possibly) edited caption to a stored message: its artwork always keeps its post's caption,
   * and the character takes it when that artwork is its current one (older posts only update themselves).
   * Returns the character fields that changed ([] when nothing did) or null when the edit does not apply.
   */
  applyCaptionEdit(
    channel: Channel,
    stored: StoredMessage,
    caption: string,
    entities: CaptionEntities | null,
    opts?: { overrideEdits?: boolean },
  ): Promise<string[] | null>;
  /** Hides the artworks of deleted posts (and characters left without a visible artwork); returns how many were hidden. */
  hideDeletedMessages(channel: Channel, messageIds: number[]): Promise<number>;
  /** Fields of a character before a repost (for recordRepost). */
  snapshot(characterId: string): Promise<Character | null>;
  /** Records a repost (new current artwork of a known character) and shows the character again if it was hidden. */
  recordRepost(channel: Channel, before: Character, artworkId: string, messageId: number | null): Promise<void>;
}

const FIELDS = Object.keys(CHARACTER_FIELD_COLUMNS) as (keyof CharacterFields)[];

function diff(before: Character, after: Character, names?: string[]): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of FIELDS) {
    if (names && !names.includes(k)) continue;
    if (before[k] !== after[k]) out[k] = { from: before[k], to: after[k] };
  }
  return out;
}

export function createSyncApplyService(deps: SyncApplyDeps): SyncApplyService {
  async function applyCaptionEdit(
    channel: Channel,
    stored: StoredMessage,
    caption: string,
    entities: CaptionEntities | null,
    opts: { overrideEdits?: boolean } = {},
  ): Promise<string[] | null> {
    if (stored.artworkHidden) return null;
    if (stored.rawCaption === caption) return [];
    const parsed = deps.parse(caption, channel, entities);
    return deps.db.transaction(async (tx) => {
      const before = await findCharacterById(tx, stored.characterId);
      if (!before) return null;
      const update = {
        name: parsed.name,
        anime: parsed.anime,
        rarity: parsed.rarity,
        rarityEmoji: parsed.rarityEmoji,
        sourceId: parsed.sourceId,
        variant: parsed.variant,
        captionFamily: parsed.family,
        parseConfidence: parsed.confidence,
        rawCaption: caption,
        needsReview: parsed.needsReview,
      };
      await setArtworkCaption(tx, stored.artworkId, update);
      if (!stored.isCurrent) return null;
      const changed = await applyCaption(tx, before.id, update, deps.normalize, opts.overrideEdits ?? false);
      if (changed.length) {
        const after = (await findCharacterById(tx, before.id))!;
        await recordCharacterChange(tx, {
          characterId: before.id,
          kind: 'caption_edit',
          channelId: channel.id,
          messageId: stored.messageId,
          changes: diff(before, after, changed),
        });
      }
      return changed;
    });
  }

  async function hideDeletedMessages(channel: Channel, messageIds: number[]): Promise<number> {
    const stored = await findStoredMessages(deps.db, channel.id, messageIds);
    let hidden = 0;
    for (const s of stored) {
      if (s.artworkHidden) continue;
      await deps.db.transaction(async (tx: Queryable) => {
        if (!(await hideArtwork(tx, s.artworkId))) return;
        hidden++;
        const left = await countVisibleArtworks(tx, s.characterId);
        if (left === 0 && !s.characterHidden) {
          await setCharacterHidden(tx, s.characterId, true);
          await recordCharacterChange(tx, {
            characterId: s.characterId,
            kind: 'deleted',
            channelId: channel.id,
            messageId: s.messageId,
            changes: { hidden: { from: false, to: true } },
          });
        }
      });
    }
    return hidden;
  }

  async function recordRepost(
    channel: Channel,
    before: Character,
    artworkId: string,
    messageId: number | null,
  ): Promise<void> {
    await deps.db.transaction(async (tx) => {
      const after = await findCharacterById(tx, before.id);
      if (!after) return;
      const changes: Record<string, { from: unknown; to: unknown }> = {
        ...diff(before, after),
        artwork: { from: null, to: artworkId },
      };
      if (after.hidden) {
        await setCharacterHidden(tx, after.id, false);
        changes.hidden = { from: true, to: false };
      }
      await recordCharacterChange(tx, {
        characterId: before.id,
        kind: 'repost',
        channelId: channel.id,
        messageId,
        changes,
      });
    });
  }

  return {
    applyCaptionEdit,
    hideDeletedMessages,
    snapshot: (id) => findCharacterById(deps.db, id),
    recordRepost,
  };
}
