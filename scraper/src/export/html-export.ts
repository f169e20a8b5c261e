/**
 * Telegram Desktop's HTML export (its default format): messages.html, messages2.html … with 1000
 * messages each, written by export_output_html.cpp. Each message becomes the same raw object the JSON
 * export has (id, type, date_unixtime, from, photo / file, text parts), so the rest of the import is
 * shared. HTML carries no chat id and no album or edit marks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'htmlparser2';
import { findAll, findOne, getAttributeValue, isTag, textContent } from 'domutils';
import type { Element, Node } from 'domhandler';

const isEl = (n: Node): n is Element => isTag(n);
const classes = (e: Element) => (getAttributeValue(e, 'class') ?? '').split(/\s+/);
const hasClass = (e: Element, c: string) => classes(e).includes(c);
const childEls = (e: Element) => e.children.filter(isEl);
const firstChild = (e: Element, c: string) => childEls(e).find((x) => hasClass(x, c));

/** messages.html, messages2.html, … in page order. */
export function htmlPages(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^messages(\d*)\.html$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)?.[0] ?? 1) - Number(/\d+/.exec(b)?.[0] ?? 1))
    .map((f) => path.join(dir, f));
}

/** "14.11.2023 22:13:20 UTC+01:00" (FormatDateTime with the time zone) → unix seconds; without a zone: local time. */
export function parseHtmlDate(title: string): number | null {
  const m = /^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)(?: UTC([+-])(\d\d):(\d\d))?/.exec(title.trim());
  if (!m) return null;
  const [, d, mo, y, h, mi, s, sign, oh, om] = m;
  if (sign) {
    const offset = (Number(oh) * 60 + Number(om)) * (sign === '+' ? 1 : -1);
    return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000 - offset * 60;
  }
  return new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s!).getTime() / 1000;
}

type Part = string | { type: string; text: string; href?: string };

/** FormatText in reverse: tags and link shapes → the JSON export's entity types. */
function linkType(a: Element, text: string): { type: string; href?: string } {
  const href = getAttributeValue(a, 'href') ?? '';
  const onclick = getAttributeValue(a, 'onclick') ?? '';
  if (/ShowHashtag/.test(onclick)) return { type: 'hashtag' };
  if (/ShowBotCommand/.test(onclick)) return { type: 'bot_command' };
  if (/ShowCashtag/.test(onclick)) return { type: 'cashtag' };
  if (/ShowMentionName/.test(onclick)) return { type: 'mention_name' };
  if (/Emoji/.test(onclick)) return { type: 'plain' };
  if (href.startsWith('mailto:')) return { type: 'email' };
  if (href.startsWith('tel:')) return { type: 'phone' };
  if (text.startsWith('@') && href.endsWith(text.slice(1))) return { type: 'mention' };
  if (href === text) return { type: 'link' };
  return { type: 'text_link', href };
}

const TAGS: Record<string, string> = {
  strong: 'bold',
  em: 'italic',
  u: 'underline',
  s: 'strikethrough',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
};

/** The caption HTML of div.text → text parts (strings and entity objects). Literal newlines are layout; captions break with <br>. */
export function htmlTextParts(el: Element): Part[] {
  const parts: Part[] = [];
  const plain = (n: Node): string => {
    if (isEl(n)) return n.name === 'br' ? '\n' : n.children.map(plain).join('');
    return ((n as unknown as { data?: string }).data ?? '').replace(/\n */g, '');
  };
  for (const n of el.children) {
    if (!isEl(n)) {
      const t = plain(n);
      if (t) parts.push(t);
      continue;
    }
    if (n.name === 'br') {
      parts.push('\n');
      continue;
    }
    const text = plain(n);
    if (!text) continue;
    let type = TAGS[n.name];
    let href: string | undefined;
    if (n.name === 'a') ({ type, href } = linkType(n, text) as { type: string; href?: string });
    else if (n.name === 'span' && hasClass(n, 'spoiler')) type = 'spoiler';
    if (!type || type === 'plain') parts.push(text);
    else parts.push({ type, text, ...(href !== undefined ? { href } : {}) });
  }
  // drop the indentation around the text (pushDiv puts the caption on its own lines)
  if (typeof parts[0] === 'string') parts[0] = parts[0].replace(/^\s+/, '');
  const last = parts.length - 1;
  if (last >= 0 && typeof parts[last] === 'string') parts[last] = (parts[last] as string).replace(/\s+$/, '');
  const out = parts.filter((p) => p !== '');
  const merged: Part[] = [];
  for (const p of out) {
    const prev = merged[merged.length - 1];
    if (typeof p === 'string' && typeof prev === 'string') merged[merged.length - 1] = prev + p;
    else merged.push(p);
  }
  return merged;
}

const IMAGE_EXT: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** NoFileDescription → the JSON export's placeholder. */
function placeholderOf(description: string): string {
  if (/^Unavailable/i.test(description)) return '(File unavailable, please try again later)';
  if (/^Exceeds maximum size/i.test(description))
    return '(File exceeds maximum size. Change data exporting settings to download.)';
  return '(File not included. Change data exporting settings to download.)';
}

/** media_wrap → the JSON export's media fields. */
function mediaOf(wrap: Element | undefined): Record<string, unknown> {
  if (!wrap) return {};
  const photo = findOne((e) => hasClass(e, 'photo_wrap'), wrap.children);
  if (photo) return { photo: getAttributeValue(photo, 'href') };
  if (findOne((e) => hasClass(e, 'sticker_wrap'), wrap.children)) return { media_type: 'sticker' };
  if (findOne((e) => hasClass(e, 'animated_wrap'), wrap.children)) return { media_type: 'animation' };
  if (findOne((e) => hasClass(e, 'video_file_wrap'), wrap.children)) return { media_type: 'video_file' };
  const media = findOne((e) => hasClass(e, 'media'), wrap.children);
  if (!media) return { media_type: 'other' };
  const href = media.name === 'a' ? getAttributeValue(media, 'href') : undefined;
  const title = textContent(findOne((e) => hasClass(e, 'title'), media.children) ?? media).trim();
  const description = textContent(findOne((e) => hasClass(e, 'description'), media.children) ?? []).trim();
  if (hasClass(media, 'media_photo')) return { photo: href ?? placeholderOf(description) };
  if (hasClass(media, 'media_video')) return { media_type: 'video_message' };
  if (hasClass(media, 'media_voice_message')) return { media_type: 'voice_message' };
  if (hasClass(media, 'media_audio_file')) return { media_type: 'audio_file' };
  if (hasClass(media, 'media_file')) {
    const name = href ? path.basename(decodeURI(href)) : title;
    const mime = IMAGE_EXT[path.extname(name).toLowerCase()];
    return {
      file: href ? decodeURI(href) : placeholderOf(description),
      file_name: name,
      ...(mime ? { mime_type: mime } : {}),
    };
  }
  if (hasClass(media, 'media_poll')) return { poll: {} };
  return { media_type: 'other' };
}

/** Reads every page of an HTML export into raw messages (JSON export shape) and the chat's title. */
export function readHtmlMessages(dir: string): { title: string | null; messages: Record<string, unknown>[] } {
  const messages: Record<string, unknown>[] = [];
  let title: string | null = null;
  let lastFrom: string | null = null;
  for (const file of htmlPages(dir)) {
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    if (title === null) {
      const header = findOne((e) => hasClass(e, 'page_header'), doc.children);
      const bold = header ? findOne((e) => hasClass(e, 'bold'), header.children) : null;
      title = bold ? textContent(bold).trim() : null;
    }
    for (const div of findAll((e) => e.name === 'div' && hasClass(e, 'message'), doc.children)) {
      const id = /^message(\d+)$/.exec(getAttributeValue(div, 'id') ?? '');
      if (!id) continue; // date separators have negative ids
      if (hasClass(div, 'service')) {
        messages.push({ id: Number(id[1]), type: 'service', text: textContent(div).trim() });
        lastFrom = null;
        continue;
      }
      const body = firstChild(div, 'body');
      if (!body) continue;
      const dateEl = firstChild(body, 'date');
      const unix = dateEl ? parseHtmlDate(getAttributeValue(dateEl, 'title') ?? '') : null;
      const fromEl = firstChild(body, 'from_name');
      // a "joined" message continues the previous sender's block and has no from_name
      const from: string | null = fromEl
        ? textContent(fromEl)
            .replace(/\s+via @\S+$/, '')
            .trim()
        : hasClass(div, 'joined')
          ? lastFrom
          : null;
      lastFrom = from;
      // forwarded posts nest their media and text in div.forwarded.body
      const holder = firstChild(body, 'forwarded') ?? body;
      const textEl = firstChild(holder, 'text');
      messages.push({
        id: Number(id[1]),
        type: 'message',
        ...(unix != null ? { date_unixtime: String(unix) } : {}),
        ...(from ? { from } : {}),
        ...mediaOf(firstChild(holder, 'media_wrap')),
        text: textEl ? htmlTextParts(textEl) : '',
      });
    }
  }
  return { title, messages };
}
