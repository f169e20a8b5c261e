import { ref, watch, type Ref } from 'vue';
import { errorMessage } from '../api/client';
import { listAdminCharacters, type AdminCharacterPage } from '../api/admin.api';
import { latestOnly } from '../lib/latest-only';

export type AdminFilter = 'review' | 'hidden' | 'all';

/** The admin list: reloads on page/filter change, debounces the text query. */
export function useAdminCharacters(page: Ref<number>, query: Ref<string>, filter: Ref<AdminFilter>, perPage = 30) {
  const data = ref<AdminCharacterPage | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  const latest = latestOnly();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load() {
    const mine = latest.begin();
    loading.value = true;
    try {
      const res = await listAdminCharacters({
        page: page.value,
        perPage,
        q: query.value.trim(),
        needsReview: filter.value === 'review' ? true : undefined,
        hidden: filter.value === 'hidden' ? true : undefined,
      });
      if (mine()) {
        data.value = res;
        error.value = null;
      }
    } catch (e) {
      if (mine()) error.value = errorMessage(e);
    } finally {
      if (mine()) loading.value = false;
    }
  }
  watch(page, load);
  watch(filter, () => {
    if (page.value !== 1) page.value = 1;
    else void load();
  });
  watch(query, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (page.value !== 1) page.value = 1;
      else void load();
    }, 250);
  });
  void load();
  return { data, error, loading, reload: load };
}
