// JSON-lines driver behind `npm run -s parse-captions`: one output line per input line, in
// order, nothing else on the output stream. Separate from the entry file so tests need no build.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { buildChannelContext, type ChannelContext } from './channel-context.js';
import { parseCaption } from './parse-caption.js';

export interface CliRecord {
  name: string | null;
  anime: string | null;
  rarity: string | null;
  source_id: string | null;
  confidence: number;
}

export const NULL_RECORD: CliRecord = { name: null, anime: null, rarity: null, source_id: null, confidence: 0 };

export interface CliOptions {
  /** Statistics of the whole channel (`--channel-context FILE`), for the channel-level decisions. */
  channel?: ChannelContext | null;
}

/** The caption of one JSON line, or null (invalid JSON, no string `caption`). */
function captionOf(line: string): string | null {
  try {
    const obj: unknown = JSON.parse(line);
    const c = obj && typeof obj === 'object' ? (obj as { caption?: unknown }).caption : undefined;
    return typeof c === 'string' ? c : null;
  } catch {
    return null;
  }
}

/** Channel context from a JSON-lines file of the channel's captions (same shape as the input). */
export async function loadChannelContext(path: string): Promise<ChannelContext> {
  const text = await readFile(path, 'utf8');
  const captions: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const c = line.trim() ? captionOf(line.replace(/^\uFEFF/, '')) : null;
    if (c !== null) captions.push(c);
  }
  return buildChannelContext(captions);
}

/** One input line → one output record. Invalid JSON or a missing/non-string caption → nulls. */
export function processLine(line: string, opts: CliOptions = {}): CliRecord {
  const caption = captionOf(line);
  if (caption === null) return NULL_RECORD;
  try {
    const r = parseCaption(caption, null, { channel: opts.channel ?? null });
    return { name: r.name, anime: r.anime, rarity: r.rarity, source_id: r.sourceId, confidence: r.confidence };
  } catch {
    return NULL_RECORD;
  }
}

export async function runCli(input: Readable, output: Writable, opts: CliOptions = {}): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  // A blank line is held back: it is answered only if more input follows, so a trailing empty
  // line (an extra "\n" at the end of the stream) produces no output, but inner ones do.
  let heldBlank = false;
  let first = true;
  const write = async (rec: CliRecord): Promise<void> => {
    if (!output.write(`${JSON.stringify(rec)}\n`)) await once(output, 'drain');
  };
  for await (let line of rl) {
    if (first && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    first = false;
    if (heldBlank) await write(NULL_RECORD);
    heldBlank = line.trim() === '';
    if (!heldBlank) await write(processLine(line, opts));
  }
}
