// One-sentence templates: log events, uploader notes, Smash "X from Y!" (spawns: events.ts).
import type { Line } from '../lines.js';
import { cleanAnime, cleanName } from '../values.js';
import { emptyCandidate, type Candidate } from './candidate.js';

const UPLOADED_RE =
  /\b(?:uploaded|added)\s+(?:a\s+)?new\s+(?:waifu|husbando|character|card)\s*[:\-–]?\s+(\S.{0,200})$/iu;
// Log lines: "… changed event for Character X", "… updated image of Character X", "… deleted Character X".
const FOR_CHARACTER_RE =
  /\b(?:for|of|deleted|removed|updated|edited|changed|renamed|added)\s+(?:the\s+)?(?:character|waifu|husbando|card)\s+(?!name\b)(\S.{0,200})$/iu;
const FROM_RE = /^(\S.{0,80}?)\s+from\s+(\S.{0,200})$/iu;

export function extractSentence(lines: readonly Line[]): Candidate | null {
  for (const l of lines) {
    if (l.kind !== 'plain' && l.kind !== 'header') continue;
    const m = UPLOADED_RE.exec(l.text) ?? FOR_CHARACTER_RE.exec(l.text);
    if (m) {
      const n = cleanName(m[1]);
      if (!n.value) continue;
      const c = emptyCandidate('sentence', 0.75);
      c.name = n.value;
      c.variant = n.variant;
      return c;
    }
  }
  return null;
}

/** "Nico Robin from One Piece!" — the sentence's own "!" is not part of the title. */
export function splitFrom(text: string): { name: string; anime: string } | null {
  const m = FROM_RE.exec(text);
  if (!m) return null;
  const name = cleanName(m[1]).value;
  const anime = cleanAnime(m[2]!.replace(/(?<!!)!$/, ''));
  if (!name || !anime || name.split(/\s+/).length > 6) return null;
  return { name, anime };
}
