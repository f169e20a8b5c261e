/** API shapes of the admin character list and of the character detail (public and admin). */
import type { AdminCharacterListItem } from '@waifudex/core/repos/admin-queries.repo';
import type { Artwork } from '@waifudex/core/repos/artworks.repo';
import type { TrashedCharacter } from '@waifudex/core/repos/trash.repo';
import type { CharacterDetail } from '@waifudex/core/services/admin-characters.service';
import type {
  AdminCharacterDetail,
  AdminCharacterListItem as AdminListItemDto,
  CharacterDetail as CharacterDetailDto,
  TrashList,
} from '@waifudex/core/api/index';
import { presentArtworkFile, presentCaptionFields, presentCharacterListItem } from './character.presenter.js';

/** edited_fields are stored with the repo's camelCase keys; the API speaks snake_case. */
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One row of the admin list: the public card plus caption, review and visibility details. */
export function presentAdminListItem(c: AdminCharacterListItem): AdminListItemDto {
  return {
    ...presentCharacterListItem(c),
    hidden: c.hidden,
    raw_caption: c.rawCaption,
    parse_confidence: c.parseConfidence,
    caption_family: c.captionFamily,
    edited_fields: c.editedFields.map(snake),
    channel_id: c.channelId,
    channel_title: c.channelTitle,
    artwork_count: c.artworkCount,
    updated_at: c.updatedAt,
  };
}

/** An artwork with what is specific to its post. */
const presentArtwork = (a: Artwork) => ({
  ...presentArtworkFile(a),
  is_current: a.isCurrent,
  created_at: a.createdAt,
  ...presentCaptionFields(a),
  channel_title: a.channelTitle ?? null,
});
const presentAdminArtwork = (a: Artwork) => ({
  ...presentArtwork(a),
  hidden: a.hidden,
  sha256: a.sha256,
  channel_id: a.channelId,
  message_id: a.messageId,
  raw_caption: a.rawCaption,
  caption_family: a.captionFamily,
  parse_confidence: a.parseConfidence,
  needs_review: a.needsReview,
});

/** Public detail: the fields and every visible artwork, current first. */
export function presentCharacterDetail(d: CharacterDetail): CharacterDetailDto {
  const c = d.character;
  return {
    id: c.id,
    ...presentCaptionFields(c),
    channel_title: d.channelTitle,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    artworks: d.artworks.map(presentArtwork),
  };
}

/** Admin detail: adds visibility, review state, the raw caption and how it was parsed. */
export function presentAdminCharacterDetail(d: CharacterDetail): AdminCharacterDetail {
  const c = d.character;
  return {
    ...presentCharacterDetail(d),
    channel_id: c.channelId,
    hidden: c.hidden,
    needs_review: c.needsReview,
    raw_caption: c.rawCaption,
    parse_confidence: c.parseConfidence,
    caption_family: c.captionFamily,
    edited_fields: c.editedFields.map(snake),
    split_off: c.splitOff,
    aliases: d.aliases.map((a) => ({ id: a.id, name: a.name, anime: a.anime })),
    deleted_at: c.deletedAt,
    artworks: d.artworks.map(presentAdminArtwork),
  };
}

/** One row of the trash: the card, when it was deleted and when the purge removes it for good. */
export function presentTrashItem(c: TrashedCharacter & { purgeAt: string }): TrashList['items'][number] {
  return { ...presentCharacterListItem(c), hidden: c.hidden, deleted_at: c.deletedAt, purge_at: c.purgeAt };
}
