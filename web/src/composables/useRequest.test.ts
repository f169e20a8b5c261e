/** The composables' request helper: the latest request wins, whatever order the answers come in. */
import { describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { ApiError } from '../api/client';
import { useRequest } from './useRequest';

/** A request the test answers by hand, recording the signal it was given. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  const call = {
    signal: null as AbortSignal | null,
    resolve,
    reject,
    task: (signal: AbortSignal) => ((call.signal = signal), promise),
  };
  return call;
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('useRequest', () => {
  it('an older answer that arrives last never overwrites the newer one, and its request is aborted', async () => {
    const r = useRequest<string>();
    const slow = deferred<string>();
    const fast = deferred<string>();
    const first = r.run(slow.task);
    expect(r.loading.value).toBe(true);
    const second = r.run(fast.task);
    expect(slow.signal!.aborted).toBe(true);
    expect(fast.signal!.aborted).toBe(false);
    fast.resolve('new');
    expect(await second).toBe('new');
    expect(r.data.value).toBe('new');
    expect(r.loading.value).toBe(false);
    slow.resolve('old');
    expect(await first).toBeUndefined();
    expect(r.data.value).toBe('new');
  });

  it('loading stays on while the latest request is in flight, even when an older one finishes', async () => {
    const r = useRequest<number>();
    const a = deferred<number>();
    const b = deferred<number>();
    void r.run(a.task);
    const pending = r.run(b.task);
    a.resolve(1);
    await tick();
    expect(r.loading.value).toBe(true);
    expect(r.data.value).toBeNull();
    b.resolve(2);
    await pending;
    expect([r.loading.value, r.data.value]).toEqual([false, 2]);
  });

  it("a superseded request's failure is not shown; the latest one's is, with the chosen message", async () => {
    const r = useRequest<string>({ message: (e) => `failed: ${(e as Error).message}` });
    const a = deferred<string>();
    const b = deferred<string>();
    void r.run(a.task);
    const pending = r.run(b.task);
    a.reject(new Error('aborted'));
    await tick();
    expect(r.error.value).toBeNull();
    b.reject(new ApiError(500, 'boom', 'the server broke'));
    expect(await pending).toBeUndefined();
    expect(r.error.value).toBe('failed: the server broke');
    expect(r.loading.value).toBe(false);
    // the next success clears the error
    await r.run(async () => 'ok');
    expect([r.error.value, r.data.value]).toEqual([null, 'ok']);
  });

  it('keeps the last answer on a failure unless told to clear it; a null message stays silent', async () => {
    const keep = useRequest<string>();
    await keep.run(async () => 'shown');
    await keep.run(async () => Promise.reject(new Error('offline')));
    expect([keep.data.value, keep.error.value]).toEqual(['shown', 'offline']);

    const clear = useRequest<string>({ clearOnError: true, message: () => null });
    await clear.run(async () => 'shown');
    await clear.run(async () => Promise.reject(new Error('offline')));
    expect([clear.data.value, clear.error.value]).toEqual([null, null]);
  });

  it('`apply` receives the answer instead of data, only when it lands', async () => {
    const r = useRequest<string>();
    const seen: number[] = [];
    const a = deferred<number>();
    const first = r.run(a.task, (v) => seen.push(v));
    await r.run(
      async () => 2,
      (v) => seen.push(v),
    );
    a.resolve(1);
    await first;
    expect(seen).toEqual([2]);
    expect(r.data.value).toBeNull();
  });

  it('a joined request lands unless a new run started meanwhile', async () => {
    const r = useRequest<string>();
    await r.run(async () => 'page 1');
    const more: string[] = [];
    await r.join(
      async () => 'page 2',
      (v) => more.push(v),
    );
    expect(more).toEqual(['page 2']);

    const late = deferred<string>();
    const joined = r.join(late.task, (v) => more.push(v));
    await r.run(async () => 'new search');
    late.resolve('page 2 of the old search');
    expect(await joined).toBeUndefined();
    expect(more).toEqual(['page 2']);
    expect(r.data.value).toBe('new search');
  });

  it('cancel, or the end of the component scope, drops what is in flight', async () => {
    const r = useRequest<string>();
    const a = deferred<string>();
    const pending = r.run(a.task);
    r.cancel();
    expect([r.loading.value, a.signal!.aborted]).toEqual([false, true]);
    a.resolve('too late');
    expect(await pending).toBeUndefined();
    expect(r.data.value).toBeNull();

    const scope = effectScope();
    const inScope = scope.run(() => useRequest<string>())!;
    const b = deferred<string>();
    const p = inScope.run(b.task);
    scope.stop();
    b.resolve('after unmount');
    expect(await p).toBeUndefined();
    expect([inScope.data.value, b.signal!.aborted]).toEqual([null, true]);
  });
});
