import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue';
import { errorMessage } from '../api/client';
import { latestOnly } from '../lib/latest-only';

export interface RequestOptions {
  /** The user's message for a failure (default: the server's message); null keeps it silent. */
  message?: (e: unknown) => string | null;
  /** Empty `data` when a request fails (default: the last answer stays on screen). */
  clearOnError?: boolean;
}

/**
 * The one way the composables load something: `data`, `error` and `loading` refs, and a race guard.
 * Each `run` supersedes the requests in flight (their signal is aborted and their answer, if it comes
 * anyway, is dropped), so a slow older answer never overwrites a newer one; `join` runs a request that
 * only lands if no new `run` started meanwhile (a "load more" yields to a new search). In a component,
 * unmounting drops whatever is still in flight.
 */
export function useRequest<T>(opts: RequestOptions = {}) {
  const data = ref(null) as Ref<T | null>;
  const error = ref<string | null>(null);
  const loading = ref(false);
  const latest = latestOnly();
  let controller: AbortController | null = null;
  const message = opts.message ?? ((e: unknown) => errorMessage(e));

  /**
   * `apply` receives the answer instead of `data` (for callers that reshape or cache it). Resolves to the
   * answer when it landed, undefined when it failed or was superseded.
   */
  async function settle<R>(
    mine: () => boolean,
    task: Promise<R>,
    apply: (v: R) => void,
    busy: boolean,
  ): Promise<R | undefined> {
    try {
      const v = await task;
      if (!mine()) return undefined;
      apply(v);
      error.value = null;
      return v;
    } catch (e) {
      if (mine()) {
        error.value = message(e);
        if (opts.clearOnError) data.value = null;
      }
      return undefined;
    } finally {
      if (busy && mine()) loading.value = false;
    }
  }

  function run(task: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
  function run<R>(task: (signal: AbortSignal) => Promise<R>, apply: (v: R) => void): Promise<R | undefined>;
  function run<R>(task: (signal: AbortSignal) => Promise<R>, apply?: (v: R) => void): Promise<R | undefined> {
    const mine = latest.begin();
    controller?.abort();
    const ctrl = (controller = new AbortController());
    loading.value = true;
    return settle(mine, task(ctrl.signal), apply ?? ((v) => (data.value = v as unknown as T)), true);
  }

  /** A request that belongs to the current one: dropped if a new `run` starts before it answers. */
  function join<R>(task: (signal: AbortSignal) => Promise<R>, apply: (v: R) => void): Promise<R | undefined> {
    const mine = latest.join();
    return settle(mine, task((controller ??= new AbortController()).signal), apply, false);
  }

  /** Drops every request in flight (reset, unmount). */
  function cancel() {
    latest.cancel();
    controller?.abort();
    controller = null;
    loading.value = false;
  }

  if (getCurrentScope()) onScopeDispose(cancel);
  return { data, error, loading, run, join, cancel };
}
