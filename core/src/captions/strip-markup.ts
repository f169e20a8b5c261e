// Undo Telethon/GramJS `message.text` renderings (FORMATS §1) so that raw `message.message`,
// markdown and HTML views all reach the families as the same plain text.
import type { CaptionEntity } from './types.js';

export interface StrippedCaption {
  text: string;
  /** Link targets seen in markup or entities (pixiv/danbooru hints; never used as ids). */
  urls: string[];
}

// Only Telegram's own tag set is stripped, so text such as "<3" or "a < b" survives.
const HTML_TAG_RE =
  /<\/?(?:strong|b|em|i|u|ins|s|strike|del|code|pre|a|blockquote|span|tg-spoiler|tg-emoji|br|p|div)(?:\s[^<>]{0,1000})?\/?>/gi;
const HREF_RE = /<a\s[^<>]{0,1000}?href\s*=\s*["']([^"'<>]{1,1000})["']/gi;
const BR_RE = /<br\s*\/?>/gi;
const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0' };
// [text](url): url must look like a link so "[L](...)" inside a rarity is not eaten.
// Telethon renders custom emoji as "[🔥](emoji/5368324170671202286)".
const MD_LINK_RE = /\[([^[\]\n]{0,300})\]\(((?:[a-z][a-z0-9+.-]{0,20}:|www\.|emoji\/\d)[^()\s]{0,2000})\)/gi;
const MD_MARK_RE = /\*\*|__|~~|`+/g;

function unescapeEntities(s: string): string {
  return s.replace(ENTITY_RE, (m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    const cp = dec ? Number(dec) : hex ? parseInt(hex, 16) : -1;
    if (cp >= 0) return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    return NAMED[name ?? ''] ?? m;
  });
}

export function stripMarkup(input: string, entities?: readonly CaptionEntity[] | null): StrippedCaption {
  const urls: string[] = [];
  let text = input;
  if (entities) {
    for (const e of entities) {
      if (e && typeof e.url === 'string' && e.url) urls.push(e.url);
    }
  }
  if (text.includes('<')) {
    text = text.replace(HREF_RE, (m, url: string) => {
      urls.push(url);
      return m;
    });
    text = text.replace(BR_RE, '\n').replace(HTML_TAG_RE, '');
  }
  if (text.includes('&')) text = unescapeEntities(text);
  if (text.includes('](')) {
    text = text.replace(MD_LINK_RE, (_m, label: string, url: string) => {
      urls.push(url);
      return label;
    });
  }
  if (text.includes('**') || text.includes('__') || text.includes('~~') || text.includes('`')) {
    text = text.replace(MD_MARK_RE, '');
  }
  return { text, urls };
}
