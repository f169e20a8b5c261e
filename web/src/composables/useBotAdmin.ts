import { onMounted, ref } from 'vue';
import { errorMessage } from '../api/client';
import { getBotStatus, putBotSettings, type BotStatusDto } from '../api/bot.api';

/** The bot's admin status, and saving its settings. */
export function useBotAdmin() {
  const data = ref<BotStatusDto | null>(null);
  const error = ref<string | null>(null);
  const saving = ref(false);
  const notice = ref<string | null>(null);

  async function load() {
    try {
      data.value = await getBotStatus();
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e, 'The Telegram bot panel');
    }
  }

  async function save(s: { enabled?: boolean; allow_list?: string[] }) {
    saving.value = true;
    notice.value = null;
    try {
      data.value = await putBotSettings(s);
      error.value = null;
      notice.value = 'Saved. The bot applies it within seconds.';
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      saving.value = false;
    }
  }

  onMounted(load);
  return { data, error, saving, notice, load, save };
}
