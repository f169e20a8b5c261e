import { watch, type Ref } from 'vue';
import { getFacets, type Facets } from '../api/characters.api';
import type { GalleryState } from './useGalleryQuery';
import { useRequest } from './useRequest';

/** Filter counts for the current query and filters (not the page or the sort). */
export function useFacets(state: Ref<GalleryState>) {
  // counts are a help; the gallery works without them, so a failure says nothing
  const { data: facets, run } = useRequest<Facets>({ message: () => null });
  watch(
    () => JSON.stringify([state.value.q, state.value.anime, state.value.rarity, state.value.channel, state.value.mine]),
    () => void run((signal) => getFacets(state.value, signal)),
    { immediate: true },
  );
  return { facets };
}
