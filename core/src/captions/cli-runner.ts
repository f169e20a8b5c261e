// JSON-lines driver behind `npm run -s parse-captions`: one output line per input line, in
// order, nothing else on the output stream. Separate from the entry file so tests need no build.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseCaption } from './parse-caption.js';

export interface CliRecord {
  name: string | null;
  anime: string | null;
  rarity: string | null;
  source_id: string | null;
  confidence: number;
}

export const NULL_RECORD: CliRecord = { name: null, anime: null, rarity: null, source_id: null, confidence: 0 };

/** One input line → one output record. Invalid JSON or a missing/non-string caption → nulls. */
export function processLine(line: string): CliRecord {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return NULL_RECORD;
  }
  if (!obj || typeof obj !== 'object' || typeof (obj as { caption?: unknown }).caption !== 'string') return NULL_RECORD;
  try {
    const r = parseCaption((obj as { caption: string }).caption);
    return { name: r.name, anime: r.anime, rarity: r.rarity, source_id: r.sourceId, confidence: r.confidence };
  } catch {
    return NULL_RECORD;
  }
}

export async function runCli(input: Readable, output: Writable): Promise<void> {
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
    if (!heldBlank) await write(processLine(line));
  }
}
