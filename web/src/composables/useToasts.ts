import { ref } from 'vue';

/** A short message at the bottom of the screen, with an optional action ("Undo"). */
export interface Toast {
  id: number;
  text: string;
  kind: 'success' | 'danger' | 'info';
  action?: { label: string; run: () => void | Promise<void> };
}

const toasts = ref<Toast[]>([]);
let seq = 0;

/** App-wide toasts: success feedback that survives a navigation (e.g. "Deleted — Undo" back on the list). */
export function useToasts() {
  function dismiss(id: number) {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }
  function show(text: string, o: { kind?: Toast['kind']; action?: Toast['action']; ms?: number } = {}): number {
    const id = ++seq;
    toasts.value = [...toasts.value.slice(-3), { id, text, kind: o.kind ?? 'success', action: o.action }];
    // an undo stays long enough to be read and reached on a phone
    setTimeout(() => dismiss(id), o.ms ?? (o.action ? 10_000 : 4_000));
    return id;
  }
  return { toasts, show, dismiss };
}
