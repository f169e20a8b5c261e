/** Clipboard helpers that also work on a plain-http LAN address, where navigator.clipboard is missing. */

/** Puts text on the clipboard; true when it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection-based copy
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    ta.remove();
  }
}

/** True when the browser can read images from the clipboard on a button press (Clipboard API read()). */
export const canReadClipboard = () =>
  typeof navigator !== 'undefined' && !!navigator.clipboard?.read && window.isSecureContext;

/** The first image on the clipboard; throws an Error with a message for the user when there is none. */
export async function readClipboardImage(): Promise<Blob> {
  let items: ClipboardItems;
  try {
    items = await navigator.clipboard.read();
  } catch {
    throw new Error('The browser did not allow reading the clipboard. Allow it, or pick the picture instead.');
  }
  for (const item of items) {
    const type = item.types.find((t) => t.startsWith('image/'));
    if (type) return item.getType(type);
  }
  throw new Error('There is no picture on the clipboard. Copy one first (long-press it → Copy).');
}
