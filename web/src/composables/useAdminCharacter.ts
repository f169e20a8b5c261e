import { ref, watch, type Ref } from 'vue';
import { errorMessage } from '../api/client';
import * as adminApi from '../api/admin.api';
import type { AdminCharacterDetailDto, CharacterPatch } from '../api/admin.api';
import { useUndoDelete } from './useUndoDelete';

/** One character in the admin editor: load, save fields, hide/unhide, replace artwork, delete. */
export function useAdminCharacter(id: Ref<string>) {
  const data = ref<AdminCharacterDetailDto | null>(null);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);
  const busy = ref(false);
  const undoDelete = useUndoDelete();

  async function act(task: () => Promise<AdminCharacterDetailDto | void>, done?: string): Promise<boolean> {
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      const d = await task();
      if (d) data.value = d;
      if (done) notice.value = done;
      return true;
    } catch (e) {
      error.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  const load = () => act(() => adminApi.getAdminCharacter(id.value));
  watch(
    id,
    () => {
      data.value = null;
      void load();
    },
    { immediate: true },
  );

  return {
    data,
    error,
    notice,
    busy,
    reload: load,
    save: (patch: CharacterPatch) => act(() => adminApi.patchCharacter(id.value, patch), 'Saved.'),
    setHidden: (hidden: boolean) =>
      act(
        () => adminApi.patchCharacter(id.value, { hidden }),
        hidden ? 'Hidden from the gallery.' : 'Visible in the gallery again.',
      ),
    replaceArtwork: (file: File) =>
      act(() => adminApi.replaceArtwork(id.value, file), 'Artwork replaced; the old one stays in the history.'),
    remove: () =>
      act(async () => {
        await undoDelete.remove([id.value], data.value?.name ?? null);
      }),
  };
}
