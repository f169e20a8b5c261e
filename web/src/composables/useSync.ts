import { computed, onBeforeUnmount, ref } from 'vue';
import { errorMessage } from '../api/client';
import { getSyncStatus, startSync, type SyncStatusDto } from '../api/sync.api';

const POLL_MS = 2000;
/** After "Sync now" the worker may take a moment to pick the request up: keep polling this long. */
const GRACE_MS = 10_000;

/** The sync panel: channel status, "Sync now", and polling every 2 s while a run is active. */
export function useSync() {
  const data = ref<SyncStatusDto | null>(null);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);
  const starting = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let graceUntil = 0;
  let stopped = false;

  const active = computed(() => {
    const d = data.value;
    if (!d) return false;
    return d.pending_requests > 0 || d.channels.some((c) => c.running !== null);
  });

  async function load() {
    clearTimeout(timer);
    try {
      data.value = await getSyncStatus();
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e, 'Telegram sync');
    }
    if (!stopped && !error.value && (active.value || Date.now() < graceUntil)) timer = setTimeout(load, POLL_MS);
  }

  async function syncNow(channelId?: string) {
    starting.value = true;
    notice.value = null;
    try {
      await startSync(channelId);
      notice.value = 'Sync requested. Progress updates every 2 seconds.';
      graceUntil = Date.now() + GRACE_MS;
      await load();
    } catch (e) {
      error.value = errorMessage(e, 'Telegram sync');
    } finally {
      starting.value = false;
    }
  }

  onBeforeUnmount(() => { stopped = true; clearTimeout(timer); });
  void load();
  return { data, error, notice, active, starting, reload: load, syncNow };
}
