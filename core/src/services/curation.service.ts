/**
 * Curation of the character identities: merge two characters (artworks move, the merged names become
 * aliases), undo a merge, split an artwork out into a character of its own, re-parse one character, and
 * hide or delete a single artwork. Each change is recorded in character_changes.
 */
import type { Db, Queryable } from '../db/database.js';
import { UserError, BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { normalizeForSearch } from '../captions/parse-caption.js';
import {
  applyCaption,
  deleteCharacter,
  findCharacterById,
  findCharacterByGroupKey,
  groupKeyOf,
  insertCharacter,
  lockCharacters,
  restoreCharacterRow,
  snapshotCharacterRow,
} from '../repos/characters.repo.js';
import {
  countArtworks,
  deleteArtworkRow,
  ensureCurrentArtwork,
  findArtworkById,
  moveArtworkAsCurrent,
  moveArtworks,
  reassignArtworks,
  setArtworkHidden,
  setCurrentArtwork,
  type Artwork,
} from '../repos/artworks.repo.js';
import { deleteAliases, insertAlias, moveAliases, reassignAliases } from '../repos/character-aliases.repo.js';
import {
  findCharacterChange,
  moveCharacterChanges,
  reassignCharacterChanges,
  recordCharacterChange,
  setChangeDetails,
} from '../repos/character-changes.repo.js';
import { reparseCaptions } from './reparse.service.js';
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';
import type { CharacterChangeEvent } from './admin-characters.service.js';

export interface CurationDeps {
  db: Db;
  /** Where the files are; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  /** Called after each change (see AdminCharactersDeps.onChange); a throw is ignored. */
  onChange?: (e: CharacterChangeEvent) => void | Promise<void>;
}

export interface MergeOutcome {
  characterId: string;
  changeId: string;
  movedArtworkIds: string[];
}

export interface CurationService {
  /** Merges character `fromId` into `intoId`; `fromId` no longer exists afterwards. */
  merge(intoId: string, fromId: string): Promise<MergeOutcome>;
  /** Undoes a recorded merge: the merged character comes back with its id, artworks and aliases. */
  undoMerge(changeId: string): Promise<{ intoId: string; restoredId: string }>;
  /** Moves an artwork out into a new character (that new posts never join); returns its id. */
  split(artworkId: string): Promise<{ characterId: string; fromId: string }>;
  /** Re-parses the captions of one character's artworks. */
  reparse(characterId: string): Promise<{ scanned: number; changed: number }>;
  /** Hides or shows one artwork; returns its character. */
  setArtworkHidden(artworkId: string, hidden: boolean): Promise<string>;
  /** Deletes one artwork and its files (not the last one of a character: delete the character then). */
  deleteArtwork(artworkId: string): Promise<string>;
}

const ID_RE = /^[1-9][0-9]{0,17}$/;
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** Copies the parsed caption of a character's (new) current artwork onto it, when it has one. */
async function followCurrent(tx: Queryable, characterId: string): Promise<void> {
  const current = await ensureCurrentArtwork(tx, characterId);
  if (current?.rawCaption)
    await applyCaption(tx, characterId, { ...current, channelId: current.channelId }, normalizeForSearch);
}

export function createCurationService(deps: CurationDeps): CurationService {
  const { db } = deps;
  const store = imageStoreOf(deps);
  const notify = async (e: Partial<CharacterChangeEvent> & { characterId: string }) => {
    try {
      await deps.onChange?.({ addedArtworkIds: [], removedArtworkIds: [], fieldsChanged: true, ...e });
    } catch {
      /* see CurationDeps.onChange */
    }
  };
  const artworkOrThrow = async (q: Queryable, id: string): Promise<Artwork> => {
    const a = ID_RE.test(id) ? await findArtworkById(q, id) : null;
    if (!a) throw new NotFoundError(`artwork ${id} not found`);
    return a;
  };

  async function merge(intoId: string, fromId: string): Promise<MergeOutcome> {
    if (intoId === fromId)
      throw new BadRequestError('a character cannot be merged into itself', undefined, 'merge_self');
    const out = await db.transaction(async (tx) => {
      const found = await lockCharacters(
        tx,
        [intoId, fromId].filter((id) => ID_RE.test(id)),
      );
      for (const id of [intoId, fromId]) if (!found.has(id)) throw new NotFoundError(`character ${id} not found`);
      const into = (await findCharacterById(tx, intoId))!;
      const from = (await findCharacterById(tx, fromId))!;
      for (const c of [into, from])
        if (c.deletedAt) throw new ConflictError(`${c.name ?? `character ${c.id}`} is in the trash: restore it first`);
      const row = (await snapshotCharacterRow(tx, fromId))!;
      const fromCurrent = await ensureCurrentArtwork(tx, fromId);
      const moved = await moveArtworks(tx, fromId, intoId);
      // a hidden character's artworks stay out of sight where they go
      if (from.hidden) for (const id of moved) await setArtworkHidden(tx, id, true);
      const movedAliases = await moveAliases(tx, fromId, intoId);
      const movedChanges = await moveCharacterChanges(tx, fromId, intoId);
      await deleteCharacter(tx, fromId);
      const addedAliases: string[] = [];
      const nameSearch = normalizeForSearch(from.name ?? '');
      const animeSearch = normalizeForSearch(from.anime ?? '');
      const intoKey = groupKeyOf(normalizeForSearch(into.name ?? ''), normalizeForSearch(into.anime ?? ''));
      if (from.name && groupKeyOf(nameSearch, animeSearch) !== intoKey) {
        addedAliases.push(
          await insertAlias(tx, {
            characterId: intoId,
            name: from.name,
            anime: from.anime,
            nameSearch,
            animeSearch,
            groupKey: groupKeyOf(nameSearch, animeSearch),
          }),
        );
      }
      await ensureCurrentArtwork(tx, intoId);
      const changeId = await recordCharacterChange(tx, {
        characterId: intoId,
        kind: 'merge',
        channelId: null,
        messageId: null,
        changes: {
          merged: { from: row, to: intoId },
          artworks: { from: fromCurrent?.id ?? null, to: moved },
          aliases: { from: movedAliases, to: addedAliases },
          changes: { from: movedChanges, to: null },
        },
      });
      return { characterId: intoId, changeId, movedArtworkIds: moved };
    });
    await notify({ characterId: intoId, addedArtworkIds: out.movedArtworkIds });
    await notify({ characterId: fromId, removedArtworkIds: out.movedArtworkIds });
    return out;
  }

  async function undoMerge(changeId: string): Promise<{ intoId: string; restoredId: string }> {
    const out = await db.transaction(async (tx) => {
      const change = ID_RE.test(changeId) ? await findCharacterChange(tx, changeId) : null;
      if (!change || change.kind !== 'merge') throw new NotFoundError(`merge ${changeId} not found`);
      if (change.changes.undone) throw new ConflictError('this merge was undone already');
      const row = change.changes.merged?.from as Record<string, unknown>;
      const intoId = change.characterId;
      const restoredId = String(row.id);
      await lockCharacters(tx, [intoId]);
      if (await findCharacterById(tx, restoredId)) throw new ConflictError(`character ${restoredId} exists again`);
      const aliases = change.changes.aliases ?? { from: [], to: [] };
      // its own (name, anime) goes back to it: the alias that stood for it goes first
      await deleteAliases(tx, (aliases.to as string[]) ?? []);
      // a character that took its name meanwhile keeps it: the restored one stays apart then
      if (typeof row.group_key === 'string' && (await findCharacterByGroupKey(tx, row.group_key))) row.group_key = null;
      await restoreCharacterRow(tx, row);
      const moved = await reassignArtworks(tx, (change.changes.artworks?.to as string[]) ?? [], intoId, restoredId);
      const current = str(change.changes.artworks?.from);
      if (current && moved.includes(current)) await setCurrentArtwork(tx, current);
      await ensureCurrentArtwork(tx, restoredId);
      await ensureCurrentArtwork(tx, intoId);
      await reassignAliases(tx, (aliases.from as string[]) ?? [], restoredId);
      await reassignCharacterChanges(tx, (change.changes.changes?.from as string[]) ?? [], restoredId);
      await setChangeDetails(tx, change.id, {
        ...change.changes,
        undone: { from: null, to: new Date().toISOString() },
      });
      await recordCharacterChange(tx, {
        characterId: intoId,
        kind: 'merge_undone',
        channelId: null,
        messageId: null,
        changes: { merged: { from: restoredId, to: null }, artworks: { from: moved, to: null } },
      });
      return { intoId, restoredId, moved };
    });
    await notify({ characterId: out.intoId, removedArtworkIds: out.moved });
    await notify({ characterId: out.restoredId, addedArtworkIds: out.moved });
    return { intoId: out.intoId, restoredId: out.restoredId };
  }

  async function split(artworkId: string): Promise<{ characterId: string; fromId: string }> {
    const out = await db.transaction(async (tx) => {
      const a = await artworkOrThrow(tx, artworkId);
      await lockCharacters(tx, [a.characterId]);
      const from = (await findCharacterById(tx, a.characterId))!;
      if (from.deletedAt)
        throw new ConflictError(`${from.name ?? `character ${from.id}`} is in the trash: restore it first`);
      if ((await countArtworks(tx, from.id)) < 2) {
        throw new UserError("this is the character's only artwork: there is nothing to split it from", {
          status: 409,
          code: 'only_artwork',
        });
      }
      // the post's own caption when it has one (an admin's replacement image has none: it keeps the character's)
      const own = a.rawCaption || a.name ? a : from;
      const characterId = await insertCharacter(tx, {
        name: own.name,
        anime: own.anime,
        rarity: own.rarity,
        rarityEmoji: own.rarityEmoji,
        sourceId: own.sourceId,
        variant: own.variant,
        captionFamily: own.captionFamily,
        parseConfidence: own.parseConfidence,
        rawCaption: own.rawCaption,
        needsReview: own.needsReview,
        channelId: a.channelId,
        nameSearch: normalizeForSearch(own.name ?? ''),
        animeSearch: normalizeForSearch(own.anime ?? ''),
        createdAt: new Date(a.createdAt),
        splitOff: true,
      });
      await moveArtworkAsCurrent(tx, a.id, characterId);
      if (a.hidden) await setArtworkHidden(tx, a.id, true);
      if (a.isCurrent) await followCurrent(tx, from.id);
      const changes = { split: { from: from.id, to: characterId }, artwork: { from: a.id, to: a.id } };
      await recordCharacterChange(tx, {
        characterId,
        kind: 'split',
        channelId: a.channelId,
        messageId: a.messageId ? Number(a.messageId) : null,
        changes,
      });
      await recordCharacterChange(tx, {
        characterId: from.id,
        kind: 'split',
        channelId: a.channelId,
        messageId: a.messageId ? Number(a.messageId) : null,
        changes,
      });
      return { characterId, fromId: from.id };
    });
    await notify({ characterId: out.fromId, removedArtworkIds: [artworkId] });
    await notify({ characterId: out.characterId, addedArtworkIds: [artworkId] });
    return out;
  }

  async function reparse(characterId: string) {
    if (!ID_RE.test(characterId) || !(await findCharacterById(db, characterId)))
      throw new NotFoundError(`character ${characterId} not found`);
    const r = await reparseCaptions(db, { ids: [characterId] });
    await notify({ characterId });
    return { scanned: r.scanned, changed: r.changed };
  }

  async function hide(artworkId: string, hidden: boolean): Promise<string> {
    const a = await artworkOrThrow(db, artworkId);
    await setArtworkHidden(db, a.id, hidden);
    await notify({
      characterId: a.characterId,
      ...(hidden ? { removedArtworkIds: [a.id] } : { addedArtworkIds: [a.id] }),
    });
    return a.characterId;
  }

  async function deleteArtwork(artworkId: string): Promise<string> {
    const { characterId, files } = await db.transaction(async (tx) => {
      const a = await artworkOrThrow(tx, artworkId);
      await lockCharacters(tx, [a.characterId]);
      if ((await countArtworks(tx, a.characterId)) < 2) {
        throw new UserError("this is the character's only artwork: delete the character instead", {
          status: 409,
          code: 'only_artwork',
        });
      }
      const files = await deleteArtworkRow(tx, a.id);
      if (a.isCurrent) await followCurrent(tx, a.characterId);
      return { characterId: a.characterId, files };
    });
    await store.remove(files); // only once the row is gone
    await notify({ characterId, removedArtworkIds: [artworkId] });
    return characterId;
  }

  return { merge, undoMerge, split, reparse, setArtworkHidden: hide, deleteArtwork };
}
