/**
 * Admin work on characters (list with review filters, hand edits, hide, delete, upload, replace artwork)
 * and the public character detail. Files go through the ingest service and the image store only.
 */
import type { Db } from '../db/database.js';
import { UserError, BadRequestError, NotFoundError } from '../errors.js';
import { normalizeForSearch } from '../captions/parse-caption.js';
import { listArtworksOfCharacter, type Artwork } from '../repos/artworks.repo.js';
import { listAliases, type CharacterAlias } from '../repos/character-aliases.repo.js';
import {
  editCharacterFields,
  findCharacterById,
  setCharacterHidden,
  type Character,
  type CharacterFields,
} from '../repos/characters.repo.js';
import {
  findChannelTitle,
  listAdminCharacters,
  type AdminCharacterListItem,
  type AdminCharacterQuery,
} from '../repos/admin-queries.repo.js';
import type { IngestService, IngestStatus } from './ingest.service.js';
import { createTrashService, type TrashService } from './trash.service.js';

/** Default TRASH_RETENTION_DAYS. */
export const DEFAULT_TRASH_RETENTION_DAYS = 30;
import type { ImageStore } from './image-store.js';
import { imageStoreOf } from './image-files.js';

/** A character with every artwork (current first) and the names merged into it. */
export interface CharacterDetail {
  character: Character;
  channelTitle: string | null;
  artworks: Artwork[];
  aliases: CharacterAlias[];
}

/** What an admin may change on a character; fields given are remembered as hand-edited. */
export interface CharacterPatch extends Partial<CharacterFields> {
  hidden?: boolean;
}

export interface NewCharacterUpload {
  bytes: Buffer;
  caption: string;
  /** Fields typed in the upload form; they override what the caption parser found. */
  fields: Partial<CharacterFields>;
}

export interface AdminCharactersService {
  /** Admin list: hidden included, filterable by review state, hidden state and text. */
  list(
    q: Omit<AdminCharacterQuery, 'search'> & { q: string },
  ): Promise<{ items: AdminCharacterListItem[]; total: number }>;
  /** Public detail; hidden characters (and hidden artworks) do not exist for the public. */
  getPublic(id: string): Promise<CharacterDetail>;
  /** Admin detail: everything, hidden included. */
  getAdmin(id: string): Promise<CharacterDetail>;
  /** Applies a hand edit and/or hide/unhide; returns the new state. */
  edit(id: string, patch: CharacterPatch): Promise<CharacterDetail>;
  /** Moves the character (with its artworks) to the trash; restore() brings it back until the purge. */
  remove(id: string): Promise<{ character: Character; purgeAt: string }>;
  /** Ingests an uploaded image as a new character (or a new artwork of the character its source id names). */
  create(u: NewCharacterUpload): Promise<{ status: IngestStatus; detail: CharacterDetail }>;
  /** Makes the uploaded image the character's current artwork (the old one stays as history). */
  replaceArtwork(id: string, bytes: Buffer): Promise<CharacterDetail>;
}

/** What changed, for in-memory indexes that must follow (the reverse image search keeps artworks in memory). */
export interface CharacterChangeEvent {
  characterId: string;
  addedArtworkIds: string[];
  removedArtworkIds: string[];
  /** Fields or visibility changed (names shown in search results, hidden characters). */
  fieldsChanged: boolean;
}

export interface AdminCharactersDeps {
  db: Db;
  ingest: IngestService;
  /** Where the files are; `imagesDir` is shorthand for a local folder store. */
  images?: ImageStore;
  imagesDir?: string;
  /** The trash deletes go to (default: one with DEFAULT_TRASH_RETENTION_DAYS). */
  trash?: TrashService;
  /** Called after each successful change. It must log its own failures: a throw is ignored (the change is done). */
  onChange?: (e: CharacterChangeEvent) => void | Promise<void>;
}

const ID_RE = /^[1-9][0-9]{0,17}$/;

/** Creates the admin characters service. */
export function createAdminCharactersService(deps: AdminCharactersDeps): AdminCharactersService {
  const { db } = deps;
  const store = imageStoreOf(deps);
  const notify = async (e: Partial<CharacterChangeEvent> & { characterId: string }) => {
    try {
      await deps.onChange?.({ addedArtworkIds: [], removedArtworkIds: [], fieldsChanged: false, ...e });
    } catch {
      /* see AdminCharactersDeps.onChange */
    }
  };

  async function load(id: string): Promise<CharacterDetail> {
    const character = ID_RE.test(id) ? await findCharacterById(db, id) : null;
    if (!character) throw new NotFoundError(`character ${id} not found`);
    const [artworks, channelTitle, aliases] = await Promise.all([
      listArtworksOfCharacter(db, id),
      findChannelTitle(db, character.channelId),
      listAliases(db, id),
    ]);
    return { character, artworks, channelTitle, aliases };
  }

  const trash = deps.trash ?? createTrashService({ db, images: store, retentionDays: DEFAULT_TRASH_RETENTION_DAYS });

  /** A duplicate upload names the character that already has the image, so the admin can go there. */
  async function duplicate(characterId: string): Promise<never> {
    const c = await findCharacterById(db, characterId);
    const who = c?.name ? `${c.name}${c.anime ? ` (${c.anime})` : ''}` : `an unnamed character (#${characterId})`;
    const where = c?.deletedAt ? ' in the trash: restore it from there' : '';
    throw new UserError(`this image is already stored as ${who}${where}`, {
      status: 409,
      code: 'duplicate_image',
      details: {
        character_id: characterId,
        character_name: c?.name ?? null,
        in_trash: Boolean(c?.deletedAt),
      },
    });
  }

  return {
    list: ({ q, ...rest }) => listAdminCharacters(db, { ...rest, search: normalizeForSearch(q) }),

    async getPublic(id) {
      const d = await load(id);
      if (d.character.hidden || d.character.deletedAt) throw new NotFoundError(`character ${id} not found`);
      return { ...d, artworks: d.artworks.filter((a) => !a.hidden && !a.deletedAt) };
    },

    getAdmin: load,

    async edit(id, patch) {
      await load(id);
      const { hidden, ...fields } = patch;
      if (Object.keys(fields).length > 0) await editCharacterFields(db, id, fields, normalizeForSearch);
      if (hidden !== undefined) await setCharacterHidden(db, id, hidden);
      await notify({ characterId: id, fieldsChanged: true });
      return load(id);
    },

    async remove(id) {
      const before = await load(id);
      if (before.character.deletedAt) throw new NotFoundError(`character ${id} is already in the trash`);
      const moved = await trash.trash([id]);
      await notify({ characterId: id, removedArtworkIds: moved.artworkIds, fieldsChanged: true });
      const after = await load(id);
      const purgeAt = new Date(Date.parse(after.character.deletedAt!) + trash.retentionDays * 86_400_000).toISOString();
      return { character: after.character, purgeAt };
    },

    async create(u) {
      if (!u.caption.trim() && !u.fields.name)
        throw new BadRequestError('give a caption or at least a name', undefined, 'validation_failed');
      const out = await deps.ingest.ingestImage({
        bytes: u.bytes,
        caption: u.caption,
        fields: u.fields,
        allowNonCharacter: Boolean(u.fields.name),
      });
      if (out.status === 'duplicate_image') await duplicate(out.characterId);
      if (Object.keys(u.fields).length > 0)
        await editCharacterFields(db, out.characterId, u.fields, normalizeForSearch);
      await notify({ characterId: out.characterId, addedArtworkIds: [out.artworkId], fieldsChanged: true });
      return { status: out.status, detail: await load(out.characterId) };
    },

    async replaceArtwork(id, bytes) {
      await load(id); // before any file is written
      const out = await deps.ingest.replaceArtwork(id, bytes);
      if (out.status === 'duplicate_image') await duplicate(out.characterId);
      await notify({ characterId: id, addedArtworkIds: [out.artworkId] });
      return load(id);
    },
  };
}
