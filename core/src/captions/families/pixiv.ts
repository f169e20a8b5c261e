// pixiv repost channels (family P) and the "<id> / <name> / <anime>" line (family N).
import type { Line } from '../lines.js';
import { cleanAnime, cleanName } from '../values.js';
import { emptyCandidate, type Candidate } from './candidate.js';
import { extractHashtags, pixivPick } from './tags.js';

const PIXIV_ID_RE = /(?:^|[\s/|])id\s*=\s*(\d{3,12})\b/iu;
const TITLE_AUTHOR_RE = /^(.{1,200}?)\s+\/\s+(.{1,200})$/u;
const SLASH_ID_RE = /^#?(\d{1,9})\s+\/\s+(.{1,200}?)\s+\/\s+(.{1,200})$/u;

export function extractPixiv(lines: readonly Line[], urls: readonly string[]): Candidate | null {
  const first = lines.find((l) => l.kind !== 'blank');
  const tagLines = lines.filter((l) => l.kind === 'hashtags');
  if (!first || first.kind === 'hashtags') return null;
  const idm = PIXIV_ID_RE.exec(first.text);
  const pixivUrl = urls.some((u) => /pixiv\.net|pximg\.net/i.test(u));
  const ta = TITLE_AUTHOR_RE.exec(first.text);
  const nsfwTitle = /^#NSFW\s+\S/i.test(first.text) && tagLines.length > 0;
  if (
    !idm &&
    !pixivUrl &&
    !nsfwTitle &&
    !(ta && tagLines.length && lines.filter((l) => l.kind === 'plain').length === 1)
  )
    return null;
  const c = emptyCandidate('pixiv', 0.35);
  c.sourceId = idm ? idm[1]! : null;
  // "%title% / id=… / %author% %p%": the title is the artwork's, the author an artist.
  const title = (ta ? ta[1]! : first.text)
    .replace(/^#NSFW\s+/i, '')
    .replace(/\s+\d{1,3}\/\d{1,3}$/, '')
    .trim();
  const tags = extractHashtags(tagLines.map((l) => l.text).join(' '));
  const pick = pixivPick(tags, title);
  c.name = cleanName(pick.name).value;
  c.anime = cleanAnime(pick.anime);
  return c;
}

export function extractSlashId(lines: readonly Line[]): Candidate | null {
  const l = lines.find((x) => x.kind === 'plain');
  const m = l ? SLASH_ID_RE.exec(l.text) : null;
  if (!m) return null;
  const c = emptyCandidate('slash_id', 0.55);
  c.sourceId = m[1]!;
  c.name = cleanName(m[2]).value;
  c.anime = cleanAnime(m[3]);
  return c.name ? c : null;
}
