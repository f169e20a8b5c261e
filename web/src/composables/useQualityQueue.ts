import { ref, watch, type Ref } from 'vue';
import { errorMessage } from '../api/client';
import { listQuality, type QualityKind, type QualityList } from '../api/curation.api';
import { useRequest } from './useRequest';

/** The queue's kinds, in the order the admin works through them. */
export const QUALITY_LABELS: Record<QualityKind, string> = {
  review: 'Needs review',
  card_conflict: 'Card id conflicts',
  near_duplicate: 'Duplicate pictures',
  missing_file: 'Missing files',
  sync_gap: 'Skipped by sync',
  skipped_post: 'Not characters',
};

export const QUALITY_HELP: Record<QualityKind, string> = {
  review:
    'Captions the parser was unsure about. Compare the raw caption with what was read from it, then edit, re-parse, hide or delete.',
  card_conflict:
    'One bot card id posted under different names in a channel. Merge the characters, split a post out, or mark it as fine.',
  near_duplicate:
    'The same picture (re-encoded or resized) stored under two characters. Merge them, or hide or delete one copy.',
  missing_file: 'Artworks whose original or thumbnail is missing on disk or has the wrong size. Delete or hide them.',
  sync_gap: 'Telegram messages the sync skipped and keeps retrying, with the reason. Retry now or give up on them.',
  skipped_post:
    'Posts the sync read but kept out of the gallery: bot event messages (spawns, claims) and notices. Check the caption, then dismiss.',
};

/** Why a post was kept out of the gallery, in words. */
export const SKIPPED_REASONS: Record<'bot_event' | 'not_character', string> = {
  bot_event: 'bot event message',
  not_character: 'not a character',
};

/** One kind of the data-quality queue, paged; `run` performs a fix and reloads. */
export function useQualityQueue(kind: Ref<QualityKind>, page: Ref<number>) {
  const {
    data,
    error,
    run: request,
  } = useRequest<QualityList>({
    message: (e) => errorMessage(e, 'The data-quality queue'),
  });
  const notice = ref<string | null>(null);
  const busy = ref(false);

  async function load() {
    await request(
      () => listQuality(kind.value, page.value),
      (d) => {
        // past the last page after a fix: show the last one
        if (d.items.length === 0 && page.value > 1 && d.total_pages > 0) page.value = d.total_pages;
        else data.value = d;
      },
    );
  }

  async function run(task: () => Promise<unknown>, done: string): Promise<boolean> {
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      await task();
      notice.value = done;
      await load();
      return true;
    } catch (e) {
      error.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  watch([kind, page], () => void load(), { immediate: true });
  return { data, error, notice, busy, run, reload: load };
}
