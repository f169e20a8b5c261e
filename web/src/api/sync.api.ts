import { api } from './client';

/** Counts of a sync run (the sync route publishes them live while a run is active). */
export interface SyncCountsDto { scanned?: number; downloaded?: number; new?: number; updated?: number; hidden?: number; failed?: number; remaining?: number | null; waiting_until?: string | null }
export interface SyncRunDto { id?: string; status: string; started_at?: string; finished_at?: string | null; counts?: SyncCountsDto; error?: string | null }
export interface SyncChannelDto {
  id: string; title?: string; username?: string | null; enabled?: boolean; last_synced_at?: string | null;
  last_error?: string | null; last_run?: SyncRunDto | null; running?: boolean;
}
export interface SyncStatusDto { channels: SyncChannelDto[]; running?: boolean; active?: boolean }

/** GET /api/v1/admin/sync, tolerant of a bare array or camelCase run fields. */
export async function getSyncStatus(): Promise<SyncStatusDto> {
  const body = await api<unknown>('/api/v1/admin/sync');
  const raw = (Array.isArray(body) ? { channels: body } : (body ?? {})) as Record<string, any>;
  const channels = (raw.channels ?? []).map((c: Record<string, any>) => ({
    ...c,
    id: String(c.id),
    last_synced_at: c.last_synced_at ?? c.lastSyncedAt ?? null,
    last_error: c.last_error ?? c.lastError ?? null,
    last_run: normalizeRun(c.last_run ?? c.lastRun ?? c.run ?? null),
  }));
  return { channels, running: raw.running ?? raw.active ?? undefined };
}

function normalizeRun(r: Record<string, any> | null): SyncRunDto | null {
  if (!r) return null;
  return { ...r, status: String(r.status ?? 'unknown'), started_at: r.started_at ?? r.startedAt, finished_at: r.finished_at ?? r.finishedAt ?? null, counts: r.counts ?? {} };
}

export const startSync = (channelId?: string) =>
  api<unknown>('/api/v1/admin/sync', { method: 'POST', body: JSON.stringify(channelId ? { channel_id: channelId } : {}) });
