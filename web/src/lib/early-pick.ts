/**
 * A picture picked on the server's first screen before the app ran (public/early-pick.js): handed to
 * `take` once, now if it is already there, or when it arrives (the picker may still be open as the app
 * mounts). Returns the function that stops listening.
 */
export function onEarlyPick(take: (file: File) => void): () => void {
  const w = window as { __earlyPick?: File };
  const give = () => {
    const file = w.__earlyPick;
    if (!file) return;
    delete w.__earlyPick;
    take(file);
  };
  give();
  document.addEventListener('waifudex:early-pick', give);
  return () => document.removeEventListener('waifudex:early-pick', give);
}
