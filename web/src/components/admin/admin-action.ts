// The actions of one admin page (create, revoke, delete…): one at a time (`busy` disables the buttons),
// and the failure of the last one shown in its panel (AdminPanel) instead of thrown.
import { ref } from 'vue';
import { errorMessage } from '../../api/client';

export function createAdminAction(what: string) {
  const busy = ref(false);
  const error = ref<string | null>(null);
  async function run(job: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = null;
    try {
      await job();
    } catch (e) {
      error.value = errorMessage(e, what);
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
