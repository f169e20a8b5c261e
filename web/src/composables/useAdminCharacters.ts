import { watch, type Ref } from 'vue';
import { listAdminCharacters, type AdminCharacterPage } from '../api/admin.api';
import { useRequest } from './useRequest';

export type AdminFilter = 'review' | 'hidden' | 'all';

/** The admin list: reloads on page/filter change, debounces the text query. */
export function useAdminCharacters(page: Ref<number>, query: Ref<string>, filter: Ref<AdminFilter>, perPage = 30) {
  const { data, error, loading, run } = useRequest<AdminCharacterPage>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load() {
    await run(() =>
      listAdminCharacters({
        page: page.value,
        perPage,
        q: query.value.trim(),
        needsReview: filter.value === 'review' ? true : undefined,
        hidden: filter.value === 'hidden' ? true : undefined,
      }),
    );
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
