import { api } from './client';
import type { SyncOverview } from '@waifudex/core/api';

export type SyncStatusDto = SyncOverview;
export type SyncChannelDto = SyncOverview['channels'][number];
export type SyncRunDto = NonNullable<SyncChannelDto['last_run']>;

/** GET /api/v1/admin/sync. */
export const getSyncStatus = () => api<SyncStatusDto>('/api/v1/admin/sync');

export const startSync = (channelId?: string) =>
  api<unknown>('/api/v1/admin/sync', {
    method: 'POST',
    body: JSON.stringify(channelId ? { channel_id: channelId } : {}),
  });

/** Live state over Server-Sent Events; `onState` gets every snapshot. Returns the close function. */
export function watchSyncStatus(
  onState: (s: SyncStatusDto) => void,
  onConnection: (live: boolean) => void,
): () => void {
  const es = new EventSource('/api/v1/admin/sync/events');
  es.addEventListener('status', (e) => onState(JSON.parse((e as MessageEvent<string>).data) as SyncStatusDto));
  es.onopen = () => onConnection(true);
  es.onerror = () => onConnection(es.readyState === EventSource.OPEN); // the browser reconnects by itself
  return () => es.close();
}
