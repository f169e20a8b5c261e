import { api } from './client';

/** Counts of a sync run (published live while the run is active). */
export interface SyncCountsDto { scanned?: number; downloaded?: number; new?: number; updated?: number; hidden?: number; failed?: number; remaining?: number | null; waitingUntil?: string | null }
export interface SyncRunDto { id?: string; kind?: string; status: string; started_at?: string; finished_at?: string | null; counts: SyncCountsDto; error?: string | null }
export interface SyncChannelDto {
  id: string; title?: string; username?: string | null; enabled?: boolean; last_synced_at?: string | null;
  last_error?: string | null; last_run: SyncRunDto | null;
  /** The run in progress, or null. */
  running: SyncRunDto | null;
}
export interface TelegramSessionDto { state: string; account: string | null; message: string | null }
export interface SyncStatusDto { channels: SyncChannelDto[]; pending_requests: number; telegram_session: TelegramSessionDto | null }

/** GET /api/v1/admin/sync (tolerant: a missing field never breaks the panel). */
export async function getSyncStatus(): Promise<SyncStatusDto> {
  const raw = ((await api<unknown>('/api/v1/admin/sync')) ?? {}) as Record<string, any>;
  const channels = (Array.isArray(raw.channels) ? raw.channels : []).map((c: Record<string, any>) => {
    const running = normalizeRun(c.running);
    return {
      ...c,
      id: String(c.id),
      last_synced_at: c.last_synced_at ?? null,
      last_error: c.last_error ?? null,
      last_run: normalizeRun(c.last_run),
      running: running && running.status === 'running' ? running : null,
    };
  });
  return { channels, pending_requests: Number(raw.pending_requests) || 0, telegram_session: raw.telegram_session ?? null };
}

function normalizeRun(r: unknown): SyncRunDto | null {
  if (!r || typeof r !== 'object') return null;
  const o = r as Record<string, any>;
  return { ...o, status: String(o.status ?? 'unknown'), finished_at: o.finished_at ?? null, counts: o.counts ?? {} };
}

export const startSync = (channelId?: string) =>
  api<unknown>('/api/v1/admin/sync', { method: 'POST', body: JSON.stringify(channelId ? { channel_id: channelId } : {}) });
