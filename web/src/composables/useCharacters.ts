import { ref, watch, type Ref } from 'vue';
import { listCharacters, type CharacterDto, type CharacterPage } from '../api/characters.api';
import type { GalleryState } from './useGalleryQuery';
import { useRequest } from './useRequest';

/** `next`: the keyset cursor after the last loaded page (infinite scroll stays fast deep into a large gallery). */
interface Loaded {
  page: CharacterPage;
  items: CharacterDto[];
  lastPage: number;
  next: string | null;
}
// The last few gallery states, so that Back renders at once and the browser can restore the scroll position.
const cache = new Map<string, Loaded>();
const remember = (key: string, v: Loaded) => {
  cache.delete(key);
  cache.set(key, v);
  if (cache.size > 12) cache.delete(cache.keys().next().value!);
};

/**
 * Loads the gallery for a state (from the address). `loadMore()` appends the next page (infinite
 * scroll); old results stay on screen while a new request is in flight (no "no match" flash).
 */
export function useCharacters(state: Ref<GalleryState>, perPage = 24) {
  const data = ref<CharacterPage | null>(null);
  const items = ref<CharacterDto[]>([]);
  const lastPage = ref(1);
  let next: string | null = null;
  const request = useRequest<CharacterPage>({ message: (e) => (e as Error).message });
  const { error, loading } = request;
  const loadingMore = ref(false);
  /** The state key of what is on screen (data may be older than the address while loading). */
  const shownKey = ref<string | null>(null);
  const keyOf = (s: GalleryState) => JSON.stringify(s);

  function show(key: string, v: Loaded) {
    data.value = v.page;
    items.value = v.items;
    lastPage.value = v.lastPage;
    next = v.next;
    shownKey.value = key;
  }

  async function load() {
    const s = state.value;
    const key = keyOf(s);
    const cached = cache.get(key);
    if (cached) show(key, cached);
    const answer = request.run(
      (signal) => listCharacters({ ...s, perPage }, signal),
      (page) => {
        // a cached state that was scrolled further keeps its extra pages
        const v =
          cached && cached.lastPage > s.page
            ? { ...cached, page }
            : { page, items: page.items, lastPage: s.page, next: page.next_cursor };
        remember(key, v);
        show(key, v);
      },
    );
    // a remembered state is on screen already: no "loading" dimming while it refreshes
    if (cached) loading.value = false;
    await answer;
  }

  async function loadMore() {
    const d = data.value;
    if (!d || loading.value || loadingMore.value || lastPage.value >= d.total_pages) return;
    const key = keyOf(state.value);
    loadingMore.value = true;
    await request.join(
      () => listCharacters({ ...state.value, page: lastPage.value + 1, perPage, cursor: next }),
      (more) => {
        const seen = new Set(items.value.map((c) => c.id));
        const v = {
          page: d,
          items: [...items.value, ...more.items.filter((c) => !seen.has(c.id))],
          lastPage: lastPage.value + 1,
          next: more.next_cursor,
        };
        remember(key, v);
        show(key, v);
      },
    );
    loadingMore.value = false;
  }

  watch(
    () => keyOf(state.value),
    () => void load(),
    { immediate: true },
  );
  return {
    data,
    items,
    lastPage,
    error,
    loading,
    loadingMore,
    shownKey,
    reload: load,
    loadMore,
    currentKey: () => keyOf(state.value),
  };
}
