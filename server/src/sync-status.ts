/** The admin sync panel's state as the API answers it (GET /api/v1/admin/sync and its event stream). */
import type { Queryable } from '@waifudex/core/db/database';
import { createSyncAdminService, type SyncAdminDeps } from '@waifudex/core/services/sync-admin.service';
import { presentSyncStatus, type SyncStatus } from './presenters/sync.presenter.js';

export type { SyncStatus };

export async function loadSyncStatus(db: Queryable, o: Omit<SyncAdminDeps, 'db'> = {}): Promise<SyncStatus> {
  return presentSyncStatus(await createSyncAdminService({ db, ...o }).status());
}
