import { computed, reactive, ref } from 'vue';
import * as visitorsApi from '../api/visitors.api';
import { setVisitorCsrfToken } from '../api/client';

// One visitor session per tab, shared by every component (module state, like useAuth).
const username = ref<string | null>(null);
const liked = reactive(new Set<string>());
const caught = reactive(new Set<string>());
/** Like counts changed in this tab, by character id (cards show them over the listed count). */
const likeCounts = reactive(new Map<string, number>());
let restoring: Promise<void> | null = null;

async function loadMarks() {
  liked.clear();
  caught.clear();
  if (!username.value) return;
  const m = await visitorsApi.marks().catch(() => null);
  for (const x of m?.liked ?? []) liked.add(x);
  for (const x of m?.caught ?? []) caught.add(x);
}

function signedIn(s: { username: string; csrf_token: string } | null) {
  username.value = s?.username ?? null;
  setVisitorCsrfToken(s?.csrf_token ?? null);
  return loadMarks();
}

/** The visitor account: session, sign-up/in/out, and their likes and caught marks. */
export function useVisitor() {
  function restore(): Promise<void> {
    restoring ??= visitorsApi.session().then(signedIn, () => signedIn(null));
    return restoring;
  }
  async function signup(user: string, password: string, invite?: string) {
    await signedIn(await visitorsApi.signup(user, password, invite));
    restoring = Promise.resolve();
  }
  async function login(user: string, password: string) {
    await signedIn(await visitorsApi.login(user, password));
    restoring = Promise.resolve();
  }
  async function logout() {
    // catch: signed out here either way; an unreachable server lets the session expire by itself
    await visitorsApi.logout().catch(() => undefined);
    await signedIn(null);
  }
  async function toggleLike(id: string) {
    const r = await visitorsApi.setLike(id, !liked.has(id));
    if (r.liked) liked.add(id);
    else liked.delete(id);
    likeCounts.set(id, r.likes);
  }
  async function toggleCaught(id: string) {
    const r = await visitorsApi.setCaught(id, !caught.has(id));
    if (r.caught) caught.add(id);
    else caught.delete(id);
  }
  return {
    username,
    signedIn: computed(() => username.value !== null),
    liked,
    caught,
    likeCounts,
    restore,
    signup,
    login,
    logout,
    toggleLike,
    toggleCaught,
    reloadMarks: loadMarks,
  };
}
