import { ref, watch, type Ref } from 'vue';
import { getGuessText, getSettings, type GuessSettingsDto } from '../api/settings.api';
import { useRequest } from './useRequest';

// Read once per page load; the admin settings view updates it after saving.
const settings = ref<GuessSettingsDto>({ command: '/guess', name_form: 'full' });
let loading: Promise<void> | null = null;

/** Loads the admin's guess setting (public, never fails the page: the default stays on error). */
export function loadGuessSettings(): Promise<void> {
  loading ??= getSettings().then(
    (s) => {
      settings.value = s.guess;
    },
    () => undefined,
  );
  return loading;
}
export const setGuessSettings = (s: GuessSettingsDto) => {
  settings.value = s;
};

/** The full and first-word forms are spelt here at once; the shortest unique word needs the whole gallery, so the server spells it. */
function localGuess(s: GuessSettingsDto, name: string): string | null {
  const n = name.trim();
  if (s.name_form === 'full') return `${s.command} ${n}`;
  if (s.name_form === 'first') return `${s.command} ${n.split(/[^\p{L}\p{N}]+/u).find(Boolean) ?? n}`;
  return null;
}

/** The command a player copies for the character in `who` (id + name), e.g. "/guess Nico Robin"; null while unknown. */
export function useGuessCommand(who: Ref<{ id: string; name: string | null } | null>) {
  const { data: text, run, cancel } = useRequest<string>();
  watch(
    [who, settings],
    () => {
      const c = who.value;
      text.value = null;
      if (!c?.name?.trim()) return cancel();
      const name = c.name.trim();
      void run(async () => {
        await loadGuessSettings();
        return (
          localGuess(settings.value, name) ??
          (await getGuessText(c.id).then(
            (r) => r.text,
            () => `${settings.value.command} ${name}`,
          ))
        );
      });
    },
    { immediate: true },
  );
  return { text, settings };
}
