/**
 * Telegram puts an album's caption on one of its messages and leaves the others empty: the first message
 * with text speaks for the whole album. One rule for the sync, its caption-edit pass and the export import.
 */
import type { IncomingMessage } from '../telegram/source.js';

type Captioned = Pick<IncomingMessage, 'groupedId' | 'text'>;

/** Albums seen so far and the message carrying each one's caption. */
export function albumCaptions<M extends Captioned>(first: Iterable<M | null | undefined> = []) {
  const byAlbum = new Map<string, M>();
  const add = (messages: Iterable<M | null | undefined>) => {
    for (const m of messages)
      if (m?.groupedId && m.text.trim() && !byAlbum.has(m.groupedId)) byAlbum.set(m.groupedId, m);
  };
  add(first);
  return {
    add,
    /** The message whose caption applies to `m`: its own, else its album's (undefined when not seen). */
    sourceOf: (m: M): M | undefined => (m.groupedId && !m.text.trim() ? byAlbum.get(m.groupedId) : m),
  };
}
