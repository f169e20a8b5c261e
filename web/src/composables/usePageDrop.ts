import { onBeforeUnmount, onMounted, ref } from 'vue';

const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');

/** Stops a file dropped anywhere on the page from replacing the app (the browser would open it). */
export function installDropGuard(): void {
  const stop = (e: DragEvent) => {
    if (hasFiles(e)) e.preventDefault();
  };
  window.addEventListener('dragover', stop);
  window.addEventListener('drop', stop);
}

/** A picture (or a link) dropped anywhere on the page; `dragging` is true while files hover over it. */
export function usePageDrop(handlers: { file: (f: File) => void; url: (u: string) => void }) {
  const dragging = ref(false);
  let depth = 0;
  const enter = (e: DragEvent) => {
    if (hasFiles(e)) {
      depth++;
      dragging.value = true;
    }
  };
  const leave = () => {
    depth = Math.max(0, depth - 1);
    if (!depth) dragging.value = false;
  };
  const over = (e: DragEvent) => {
    if (hasFiles(e) || e.dataTransfer?.types.includes('text/uri-list')) e.preventDefault();
  };
  function drop(e: DragEvent) {
    depth = 0;
    dragging.value = false;
    const file = [...(e.dataTransfer?.files ?? [])][0];
    const text = (e.dataTransfer?.getData('text/uri-list') || e.dataTransfer?.getData('text/plain') || '')
      .split('\n')[0]
      ?.trim();
    if (!file && !(text && /^https?:\/\//i.test(text))) return;
    e.preventDefault();
    if (file) handlers.file(file);
    else if (text) handlers.url(text);
  }
  onMounted(() => {
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
  });
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', enter);
    window.removeEventListener('dragleave', leave);
    window.removeEventListener('dragover', over);
    window.removeEventListener('drop', drop);
  });
  return { dragging };
}
