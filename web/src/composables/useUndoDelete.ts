import { errorMessage } from '../api/client';
import { bulkCharacters, deleteCharacter, restoreCharacters } from '../api/admin.api';
import { useToasts } from './useToasts';

/** Deletes (to the trash) with a "Deleted — Undo" toast; `onChange` reloads whatever lists the characters. */
export function useUndoDelete(onChange?: () => void | Promise<void>) {
  const toasts = useToasts();

  function offerUndo(ids: string[], what: string) {
    toasts.show(`Deleted ${what}`, {
      action: {
        label: 'Undo',
        run: async () => {
          try {
            const r = await restoreCharacters(ids);
            toasts.show(
              `Restored ${r.restored.length === 1 && ids.length === 1 ? what : `${r.restored.length} characters`}`,
            );
            await onChange?.();
          } catch (e) {
            toasts.show(errorMessage(e), { kind: 'danger' });
          }
        },
      },
    });
  }

  return {
    /** One id: DELETE; several: the bulk endpoint. Throws on failure (the caller shows the error). */
    async remove(ids: string[], name: string | null = null) {
      const moved =
        ids.length === 1
          ? [(await deleteCharacter(ids[0]!)).id]
          : (await bulkCharacters({ action: 'delete', ids })).ids;
      offerUndo(moved, moved.length === 1 ? (name ?? `character #${moved[0]}`) : `${moved.length} characters`);
      await onChange?.();
      return moved;
    },
    offerUndo,
  };
}
