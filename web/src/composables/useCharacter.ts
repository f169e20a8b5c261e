import { watch, type Ref } from 'vue';
import { getCharacter, type CharacterDetailDto } from '../api/characters.api';
import { ApiError, errorMessage } from '../api/client';
import { useRequest } from './useRequest';

/** Loads the public detail of the character whose id is in `id` (switching fast, the last one wins). */
export function useCharacter(id: Ref<string>) {
  const { data, error, loading, run } = useRequest<CharacterDetailDto>({
    clearOnError: true,
    message: (e) =>
      e instanceof ApiError && e.status === 404 ? 'This character does not exist (or was removed).' : errorMessage(e),
  });
  const load = async () => void (await run(() => getCharacter(id.value)));
  watch(id, load, { immediate: true });
  return { data, error, loading, reload: load };
}
