import { ref, watch, type Ref } from 'vue';
import { listCharacters, type CharacterPage } from '../api/characters.api';

/** Loads a page of characters whenever the page or the query changes (query debounced). */
export function useCharacters(page: Ref<number>, query: Ref<string>, perPage = 24) {
  const data = ref<CharacterPage | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function load() {
    const mine = ++seq;
    loading.value = true;
    try {
      const res = await listCharacters({ page: page.value, perPage, q: query.value.trim() });
      if (mine === seq) { data.value = res; error.value = null; }
    } catch (e) {
      if (mine === seq) error.value = (e as Error).message;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  watch(page, load);
  watch(query, () => {
    clearTimeout(timer);
    timer = setTimeout(() => { if (page.value !== 1) page.value = 1; else void load(); }, 250);
  });
  void load();
  return { data, error, loading, reload: load };
}
