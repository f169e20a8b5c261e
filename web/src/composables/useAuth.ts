import { computed, ref } from 'vue';
import * as authApi from '../api/auth.api';
import { setCsrfToken } from '../api/client';

// One session per tab: module state shared by every component that calls useAuth().
const username = ref<string | null>(null);
let restoring: Promise<void> | null = null;

/** The admin session: restore on load (GET /auth/session), login, logout; keeps the CSRF token for the API client. */
export function useAuth() {
  function restore(): Promise<void> {
    restoring ??= authApi
      .session()
      .then((s) => {
        username.value = s?.username ?? null;
        setCsrfToken(s?.csrf_token ?? null);
      })
      .catch(() => {
        username.value = null;
        setCsrfToken(null);
      });
    return restoring;
  }
  async function login(user: string, password: string) {
    const s = await authApi.login(user, password);
    username.value = s.username;
    setCsrfToken(s.csrf_token);
    restoring = Promise.resolve();
  }
  async function logout() {
    // catch: signed out here either way; an unreachable server lets the session expire by itself
    await authApi.logout().catch(() => undefined);
    username.value = null;
    setCsrfToken(null);
  }
  return { username, loggedIn: computed(() => username.value !== null), restore, login, logout };
}
