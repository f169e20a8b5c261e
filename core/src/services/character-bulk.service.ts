/**
 * Bulk actions of the admin character list: on listed ids or on every character the list's filter
 * matches. Set-based statements (one UPDATE for thousands of rows), deletes go to the trash.
 */
import type { Db } from '../db/database.js';
import { BadRequestError } from '../errors.js';
import { normalizeForSearch } from '../captions/parse-caption.js';
import { bulkSetFields, bulkSetHidden } from '../repos/characters.repo.js';
import {
  filterLiveCharacterIds,
  listAdminCharacterIds,
  type AdminCharacterFilter,
} from '../repos/admin-queries.repo.js';
import { reparseCaptions } from './reparse.service.js';
import type { TrashService } from './trash.service.js';

export type BulkAction = 'set' | 'hide' | 'show' | 'delete' | 'reparse';

export interface BulkRequest {
  action: BulkAction;
  fields?: { anime?: string | null; rarity?: string | null };
  ids?: string[];
  /** Raw text of the filter (normalised here), as the list was queried. */
  filter?: Omit<AdminCharacterFilter, 'search'> & { q: string };
}

export interface BulkResult {
  action: BulkAction;
  /** Characters the request named (ids outside the trash) or the filter matched. */
  matched: number;
  /** Ids changed; for delete, those moved to the trash. */
  ids: string[];
}

export function createCharacterBulkService(deps: {
  db: Db;
  trash: TrashService;
  maxItems: number;
  onChange?: () => void | Promise<void>;
}) {
  const { db } = deps;

  async function target(r: BulkRequest): Promise<string[]> {
    if (r.ids) return filterLiveCharacterIds(db, [...new Set(r.ids)]);
    const { q, ...rest } = r.filter!;
    const ids = await listAdminCharacterIds(db, { ...rest, search: normalizeForSearch(q) }, deps.maxItems);
    if (ids.length > deps.maxItems) {
      throw new BadRequestError(
        `the filter matches more than ${deps.maxItems} characters: narrow it and repeat`,
        undefined,
        'too_many',
      );
    }
    return ids;
  }

  return {
    async run(r: BulkRequest): Promise<BulkResult> {
      const ids = await target(r);
      let changed: string[] = [];
      if (ids.length) {
        // all or nothing: the slices of one action share a transaction
        if (r.action === 'set')
          changed = await db.transaction((tx) => bulkSetFields(tx, ids, r.fields ?? {}, normalizeForSearch));
        else if (r.action === 'hide' || r.action === 'show')
          changed = await db.transaction((tx) => bulkSetHidden(tx, ids, r.action === 'hide'));
        else if (r.action === 'delete') changed = (await deps.trash.trash(ids)).characterIds;
        else changed = (await reparseCaptions(db, { ids })).changedIds;
      }
      // catch: the change is committed; a listener logs its own failures
      if (changed.length) await Promise.resolve(deps.onChange?.()).catch(() => undefined);
      return { action: r.action, matched: ids.length, ids: changed };
    },
  };
}
