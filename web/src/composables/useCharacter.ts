import { ref, watch, type Ref } from 'vue';
import { getCharacter, type CharacterDetailDto } from '../api/characters.api';
import { ApiError, errorMessage } from '../api/client';

/** Loads the public detail of the character whose id is in `id`. */
export function useCharacter(id: Ref<string>) {
  const data = ref<CharacterDetailDto | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  async function load() {
    loading.value = true;
    error.value = null;
    try {
      data.value = await getCharacter(id.value);
    } catch (e) {
      data.value = null;
      error.value =
        e instanceof ApiError && e.status === 404 ? 'This character does not exist (or was removed).' : errorMessage(e);
    } finally {
      loading.value = false;
    }
  }
  watch(id, load, { immediate: true });
  return { data, error, loading, reload: load };
}
