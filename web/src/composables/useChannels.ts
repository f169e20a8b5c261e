import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { ApiError, errorMessage } from '../api/client';
import {
  addChannel,
  listChannels,
  previewTemplate,
  saveParsing,
  setChannelEnabled,
  type ChannelDto,
  type ParsingUpdate,
  type ReparseResultDto,
  type TemplatePreviewDto,
} from '../api/channels.api';
import { useRequest } from './useRequest';

const FEATURE = 'Channel management';

/** The channels tab: list, add by reference, enable/disable. */
export function useChannels() {
  const channels = ref<ChannelDto[] | null>(null);
  const error = ref<string | null>(null);
  const addError = ref<string | null>(null);
  const adding = ref(false);
  const busy = ref<Set<string>>(new Set());

  async function load() {
    try {
      channels.value = await listChannels();
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e, FEATURE);
    }
  }

  /** Replaces one channel in the list (after a toggle or a parsing save). */
  function replace(ch: ChannelDto) {
    if (!channels.value) return;
    channels.value = channels.value.map((c) => (c.id === ch.id ? ch : c));
  }

  /** Adds a channel; returns true on success. The API's message (invalid reference, already followed) is shown as is. */
  async function add(reference: string): Promise<boolean> {
    adding.value = true;
    addError.value = null;
    try {
      const ch = await addChannel(reference.trim());
      channels.value = [...(channels.value ?? []), ch];
      return true;
    } catch (e) {
      addError.value =
        e instanceof ApiError && e.status === 409 ? `Already followed: ${e.message}` : errorMessage(e, FEATURE);
      return false;
    } finally {
      adding.value = false;
    }
  }

  async function toggle(ch: ChannelDto) {
    busy.value = new Set(busy.value).add(ch.id);
    try {
      replace(await setChannelEnabled(ch.id, !ch.enabled));
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e, FEATURE);
    } finally {
      const next = new Set(busy.value);
      next.delete(ch.id);
      busy.value = next;
    }
  }

  void load();
  return { channels, error, addError, adding, busy, reload: load, add, toggle, replace };
}

const PREVIEW_DEBOUNCE_MS = 400;

/** Live dry run of a template over a channel's stored captions: debounced, latest answer wins. */
export function useTemplatePreview(channelId: Ref<string>, template: Ref<string>) {
  const request = useRequest<TemplatePreviewDto>({
    clearOnError: true,
    message: (e) => errorMessage(e, 'Template preview'),
  });
  const { data: preview, error, loading } = request;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function run() {
    const src = template.value;
    if (src.trim()) return void request.run(() => previewTemplate(channelId.value, src));
    request.cancel();
    preview.value = null;
    error.value = null;
  }

  watch(
    [channelId, template],
    () => {
      clearTimeout(timer);
      loading.value = !!template.value.trim();
      timer = setTimeout(run, PREVIEW_DEBOUNCE_MS);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => clearTimeout(timer));
  return { preview, error, loading };
}

/** Saving a channel's template and emoji table, optionally re-parsing its stored captions. */
export function useSaveParsing(onSaved: (ch: ChannelDto) => void) {
  const saving = ref(false);
  const error = ref<string | null>(null);
  const reparsed = ref<ReparseResultDto | null>(null);
  const savedAt = ref<Date | null>(null);

  async function save(channelId: string, body: ParsingUpdate) {
    saving.value = true;
    error.value = null;
    reparsed.value = null;
    savedAt.value = null;
    try {
      const res = await saveParsing(channelId, body);
      reparsed.value = res.reparsed;
      savedAt.value = new Date();
      onSaved(res.channel);
    } catch (e) {
      error.value = errorMessage(e, 'Caption parsing');
    } finally {
      saving.value = false;
    }
  }
  return { saving, error, reparsed, savedAt, save };
}
