/**
 * Compiled caption templates per channel, for the ingest and the re-parse: each template compiles once,
 * and an edited template (new text, same channel) compiles anew. An invalid one counts as no template.
 */
import { compileTemplate } from './template.js';
import type { CompiledTemplate } from './types.js';

type TemplateChannel = { id: string; captionTemplate: string | null };

/** Returns `templateOf(channel)`; `onInvalid` hears once about each template that does not compile. */
export function channelTemplates(onInvalid?: (channel: TemplateChannel, err: Error) => void) {
  const compiled = new Map<string, CompiledTemplate | null>();
  return (channel: TemplateChannel | null | undefined): CompiledTemplate | null => {
    if (!channel?.captionTemplate) return null;
    const key = `${channel.id}:${channel.captionTemplate}`;
    if (!compiled.has(key)) {
      try {
        compiled.set(key, compileTemplate(channel.captionTemplate));
      } catch (err) {
        onInvalid?.(channel, err as Error);
        compiled.set(key, null);
      }
    }
    return compiled.get(key) ?? null;
  };
}
