import { ref, watch, type Ref } from 'vue';
import { getFacets, type Facets } from '../api/characters.api';
import type { GalleryState } from './useGalleryQuery';

/** Filter counts for the current query and filters (not the page or the sort). */
export function useFacets(state: Ref<GalleryState>) {
  const facets = ref<Facets | null>(null);
  let controller: AbortController | null = null;
  watch(
    () => JSON.stringify([state.value.q, state.value.anime, state.value.rarity, state.value.channel, state.value.mine]),
    async () => {
      controller?.abort();
      controller = new AbortController();
      try {
        facets.value = await getFacets(state.value, controller.signal);
      } catch {
        // counts are a help; the gallery works without them
      }
    },
    { immediate: true },
  );
  return { facets };
}
