import { computed, onBeforeUnmount, ref } from 'vue';
import { errorMessage } from '../api/client';
import { getSyncStatus, startSync, watchSyncStatus, type SyncStatusDto } from '../api/sync.api';

/** The sync panel: state pushed live by the server (Server-Sent Events), "Sync now", a clock for countdowns. */
export function useSync() {
  const data = ref<SyncStatusDto | null>(null);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);
  const starting = ref(false);
  const live = ref(false);
  const now = ref(Date.now());
  const tick = setInterval(() => (now.value = Date.now()), 1000);

  const active = computed(() => {
    const d = data.value;
    if (!d) return false;
    return d.pending_requests > 0 || d.channels.some((c) => c.running !== null);
  });

  async function load() {
    try {
      data.value = await getSyncStatus();
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e, 'Telegram sync');
    }
  }

  async function syncNow(channelId?: string) {
    starting.value = true;
    notice.value = null;
    try {
      await startSync(channelId);
      notice.value = 'Sync requested: the worker picks it up within a few seconds.';
      await load();
    } catch (e) {
      error.value = errorMessage(e, 'Telegram sync');
    } finally {
      starting.value = false;
    }
  }

  const stop = watchSyncStatus(
    (s) => {
      data.value = s;
      error.value = null;
    },
    (ok) => (live.value = ok),
  );
  onBeforeUnmount(() => {
    stop();
    clearInterval(tick);
  });
  void load();
  return { data, error, notice, active, starting, live, now, reload: load, syncNow };
}
