/**
 * Writes Telegram Desktop exports for tests, following tdesktop's writers field by field
 * (Telegram/SourceFiles/export/output/export_output_json.cpp and export_output_html.cpp, and the file
 * naming of export/data/export_data_types.cpp):
 * - JSON: SerializeString (control bytes as `\xHH`, U+2028/2029 as `\u2028`/`\u2029`), SerializeMessage's
 *   key order, SerializeText (a plain string, or an array of strings and {type, text, …} objects, plus
 *   `text_entities`), pushPath's "(File not included. …)" / "(File exceeds maximum size. …)" /
 *   "(File unavailable, please try again later)", photo_N@dd-MM-yyyy_HH-mm-ss.jpg names;
 * - the full-account export: {about, chats: {about, list: [{name, type, id, messages}]}} with media
 *   under chats/chat_N/ (N zero-padded to the digits of the chat count - 1);
 * - the older shapes: before April 2021 encoded peer ids (channel = 2^33 + id) and numeric from_id;
 *   before June 2022 no date_unixtime / edited_unixtime (and no text_entities);
 * - HTML: composeStart/pushHeader/pushTag/popTag layout, "message default clearfix [joined]" blocks,
 *   the date title "dd.MM.yyyy HH:mm:ss UTC+hh:mm", photo_wrap links with _thumb images, generic
 *   media blocks with NoFileDescription, FormatText's tags, 1000 messages per messages*.html.
 * `date` strings are the exporting machine's local time: the writer takes its UTC offset as a parameter.
 */
import fs from 'node:fs';
import path from 'node:path';

export type FixtureTextPart = {
  type:
    'plain' | 'bold' | 'italic' | 'underline' | 'strikethrough' | 'code' | 'text_link' | 'link' | 'hashtag' | 'mention';
  text: string;
  href?: string;
};
export type MissingReason = 'FileType' | 'FileSize' | 'Unavailable';

export type FixtureMedia =
  | { kind: 'photo'; bytes: Buffer; width: number; height: number }
  | { kind: 'photo_missing'; reason: MissingReason; width: number; height: number; size: number }
  | { kind: 'file'; name: string; mime: string; bytes: Buffer }
  | { kind: 'file_missing'; reason: MissingReason; name: string; mime: string; size: number }
  | { kind: 'sticker'; bytes: Buffer }
  | { kind: 'video'; bytes: Buffer };

export interface FixturePost {
  id: number;
  /** Unix seconds. */
  date: number;
  edited?: number;
  text: FixtureTextPart[];
  media?: FixtureMedia;
  /** A service message (channel created, pinned …) with this action name. */
  service?: string;
}

export interface FixtureChat {
  /** Bare id (what today's exports write). */
  id: string;
  name: string;
  type: 'public_channel' | 'private_channel' | 'personal_chat' | 'private_supergroup';
  posts: FixturePost[];
}

export type ExportShape = 'json' | 'json-2021' | 'json-2020' | 'html' | 'json-account';

export interface WriteOptions {
  /** UTC offset of the exporting machine in minutes (default +180). */
  utcOffsetMinutes?: number;
  /** Messages per HTML page (tdesktop: 1000). */
  htmlPageSize?: number;
}

// ---------------------------------------------------------------------------------------------------
// JSON (export_output_json.cpp)

/** SerializeString of export_output_json.cpp. */
export function jsonString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c < 32) out += `\\x${(c >> 4).toString()}${(c & 15).toString(16).toUpperCase()}`;
    else if (c === 0x2028) out += '\\u2028';
    else if (c === 0x2029) out += '\\u2029';
    else out += ch;
  }
  return out + '"';
}

type Json = string; // already serialized
const indent = (n: number) => ' '.repeat(n);

/** SerializeObject: pairs with an empty value are left out; one space of indentation per nesting level. */
function jsonObject(depth: number, pairs: [string, Json | undefined][]): Json {
  const body = pairs
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `\n${indent(depth + 1)}${jsonString(k)}: ${v}`);
  return `{${body.join(',')}\n${indent(depth)}}`;
}
function jsonArray(depth: number, values: Json[]): Json {
  if (values.length === 0) return '[]';
  return `[${values.map((v) => `\n${indent(depth + 1)}${v}`).join(',')}\n${indent(depth)}]`;
}

const pad = (n: number) => String(n).padStart(2, '0');
function local(unix: number, offsetMin: number): Date {
  return new Date((unix + offsetMin * 60) * 1000); // read with getUTC*: the machine's wall clock
}
/** QDateTime::toString(Qt::ISODate) in local time: 2023-11-14T22:13:20. */
function isoLocal(unix: number, off: number): string {
  const d = local(unix, off);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
/** FormatDateTime(date, hasTimeZone, sep…): dd.MM.yyyy HH:mm:ss[ UTC+hh:mm]. */
function formatDateTime(unix: number, off: number, zone: boolean, dateSep = '.', timeSep = ':', sep = ' '): string {
  const d = local(unix, off);
  const tz = zone
    ? `${sep}UTC${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
    : '';
  return `${pad(d.getUTCDate())}${dateSep}${pad(d.getUTCMonth() + 1)}${dateSep}${d.getUTCFullYear()}${sep}${pad(d.getUTCHours())}${timeSep}${pad(d.getUTCMinutes())}${timeSep}${pad(d.getUTCSeconds())}${tz}`;
}

const SKIP_TEXT: Record<MissingReason, string> = {
  Unavailable: '(File unavailable, please try again later)',
  FileSize: '(File exceeds maximum size. Change data exporting settings to download.)',
  FileType: '(File not included. Change data exporting settings to download.)',
};
const NO_FILE_DESCRIPTION: Record<MissingReason, string> = {
  Unavailable: 'Unavailable, please try again later.',
  FileSize: 'Exceeds maximum size, change data exporting settings to download.',
  FileType: 'Not included, change data exporting settings to download.',
};

/** Where each post's media goes (ParseMedia's folder + "photos/" + PreparePhotoFileName …), written to disk. */
function placeMedia(root: string, folder: string, chat: FixtureChat, off: number): Map<number, string> {
  const paths = new Map<number, string>();
  let photos = 0;
  for (const p of chat.posts) {
    const m = p.media;
    if (!m) continue;
    let rel: string | null = null;
    const datePart = `@${formatDateTime(p.date, off, false, '-', '-', '_')}`;
    if (m.kind === 'photo') rel = `${folder}photos/photo_${++photos}${datePart}.jpg`;
    else if (m.kind === 'photo_missing') ++photos;
    else if (m.kind === 'file') rel = `${folder}files/${m.name}`;
    else if (m.kind === 'sticker') rel = `${folder}stickers/sticker_${p.id}.webp`;
    else if (m.kind === 'video') rel = `${folder}video_files/video_${p.id}${datePart}.mp4`;
    if (rel && 'bytes' in m) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), m.bytes);
      paths.set(p.id, rel);
    }
  }
  return paths;
}

function jsonText(depth: number, parts: FixtureTextPart[], toObjects: boolean): Json {
  if (parts.length === 0) return toObjects ? '[]' : jsonString('');
  if (!toObjects && parts.length === 1 && parts[0]!.type === 'plain') return jsonString(parts[0]!.text);
  return jsonArray(
    depth,
    parts.map((p) =>
      p.type === 'plain' && !toObjects
        ? jsonString(p.text)
        : jsonObject(depth + 1, [
            ['type', jsonString(p.type)],
            ['text', jsonString(p.text)],
            ...(p.type === 'text_link' ? ([['href', jsonString(p.href ?? '')]] as [string, Json][]) : []),
          ]),
    ),
  );
}

function jsonMessage(
  depth: number,
  chat: FixtureChat,
  p: FixturePost,
  files: Map<number, string>,
  shape: ExportShape,
  off: number,
): Json {
  const modern = shape === 'json' || shape === 'json-account';
  const old2020 = shape === 'json-2020';
  const v: [string, Json | undefined][] = [
    ['id', String(p.id)],
    ['type', jsonString(p.service ? 'service' : 'message')],
    ['date', jsonString(isoLocal(p.date, off))],
    ['date_unixtime', modern ? jsonString(String(p.date)) : undefined],
  ];
  if (p.edited) {
    v.push(['edited', jsonString(isoLocal(p.edited, off))]);
    if (modern) v.push(['edited_unixtime', jsonString(String(p.edited))]);
  }
  const fromId = old2020 ? String(2n ** 33n + BigInt(chat.id)) : jsonString(`channel${chat.id}`);
  if (p.service) {
    v.push(
      ['actor', jsonString(chat.name)],
      ['actor_id', fromId],
      ['action', jsonString(p.service)],
      ['title', jsonString(chat.name)],
    );
  } else {
    v.push(['from', jsonString(chat.name)], ['from_id', fromId]);
    const m = p.media;
    if (m?.kind === 'photo' || m?.kind === 'photo_missing') {
      v.push(['photo', jsonString(m.kind === 'photo' ? files.get(p.id)! : SKIP_TEXT[m.reason])]);
      v.push(['photo_file_size', String(m.kind === 'photo' ? m.bytes.length : m.size)]);
      v.push(['width', String(m.width)], ['height', String(m.height)]);
    } else if (m) {
      const file = m.kind === 'file_missing' ? SKIP_TEXT[m.reason] : files.get(p.id)!;
      v.push(['file', jsonString(file)]);
      if (m.kind === 'file' || m.kind === 'file_missing') v.push(['file_name', jsonString(m.name)]);
      v.push(['file_size', String(m.kind === 'file_missing' ? m.size : m.bytes.length)]);
      if (m.kind === 'sticker') v.push(['media_type', jsonString('sticker')], ['sticker_emoji', jsonString('😀')]);
      if (m.kind === 'video') v.push(['media_type', jsonString('video_file')]);
      v.push([
        'mime_type',
        jsonString(m.kind === 'sticker' ? 'image/webp' : m.kind === 'video' ? 'video/mp4' : m.mime),
      ]);
    }
  }
  v.push(['text', jsonText(depth + 1, p.text, false)]);
  if (modern) v.push(['text_entities', jsonText(depth + 1, p.text, true)]);
  return jsonObject(depth, v);
}

function chatJson(
  depth: number,
  root: string,
  folder: string,
  chat: FixtureChat,
  shape: ExportShape,
  off: number,
): Json {
  const files = placeMedia(root, folder, chat, off);
  const id = shape === 'json-2020' ? String(2n ** 33n + BigInt(chat.id)) : chat.id;
  return jsonObject(depth, [
    ['name', jsonString(chat.name)],
    ['type', jsonString(chat.type)],
    ['id', id],
    [
      'messages',
      jsonArray(
        depth + 1,
        chat.posts.map((p) => jsonMessage(depth + 2, chat, p, files, shape, off)),
      ),
    ],
  ]);
}

// ---------------------------------------------------------------------------------------------------
// HTML (export_output_html.cpp)

/** SerializeString of export_output_html.cpp. */
export function htmlString(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '\n') out += '<br>';
    else if (ch === '"') out += '&quot;';
    else if (ch === '&') out += '&amp;';
    else if (ch === "'") out += '&apos;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (c < 32) out += `&#x${(c >> 4).toString()}${(c & 15).toString(16).toUpperCase()};`;
    else if (c === 0x2028 || c === 0x2029) out += '<br>';
    else out += ch;
  }
  return out;
}

/** HtmlContext: block tags on their own lines, indented one space per open tag; attributes sorted by name. */
class Html {
  private tags: { name: string; block: boolean }[] = [];
  out = '';
  push(name: string, attrs: Record<string, string> = {}, o: { inline?: boolean; empty?: boolean } = {}): this {
    const block = !o.inline;
    const inner = Object.keys(attrs)
      .sort()
      .map((k) => ` ${k}="${htmlString(attrs[k]!)}"`)
      .join('');
    this.out += `${block ? `\n${indent(this.tags.length)}` : ''}<${name}${inner}${o.empty ? '/' : ''}>${block ? '\n' : ''}`;
    if (!o.empty) this.tags.push({ name, block });
    return this;
  }
  div(cls: string): this {
    return this.push('div', { class: cls });
  }
  pop(): this {
    const t = this.tags.pop()!;
    this.out += `${t.block ? `\n${indent(this.tags.length)}` : ''}</${t.name}>${t.block ? '\n' : ''}`;
    return this;
  }
  raw(s: string): this {
    this.out += s;
    return this;
  }
}

function formatText(parts: FixtureTextPart[]): string {
  return parts
    .map((p) => {
      const t = htmlString(p.text);
      switch (p.type) {
        case 'plain':
          return t;
        case 'bold':
          return `<strong>${t}</strong>`;
        case 'italic':
          return `<em>${t}</em>`;
        case 'underline':
          return `<u>${t}</u>`;
        case 'strikethrough':
          return `<s>${t}</s>`;
        case 'code':
          return `<code>${t}</code>`;
        case 'link':
          return `<a href="${t}">${t}</a>`;
        case 'text_link':
          return `<a href="${htmlString(p.href ?? '')}">${t}</a>`;
        case 'hashtag':
          return `<a href="" onclick="return ShowHashtag(${htmlString(`"${p.text.slice(1)}"`)})">${t}</a>`;
        case 'mention':
          return `<a href="https://t.me/${t.slice(1)}">${t}</a>`;
      }
    })
    .join('');
}

const fileSize = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;

function genericMedia(
  h: Html,
  o: { classes: string; link?: string; title: string; description?: string; status: string },
) {
  h.div('media_wrap clearfix');
  if (o.link) h.push('a', { class: `media clearfix pull_left block_link ${o.classes}`, href: o.link });
  else h.div(`media clearfix pull_left ${o.classes}`);
  h.div('fill pull_left').pop();
  h.div('body');
  h.div('title bold').raw(htmlString(o.title)).pop();
  if (o.description) h.div('description').raw(htmlString(o.description)).pop();
  h.div('status details').raw(htmlString(o.status)).pop();
  h.pop().pop().pop();
}

function htmlMedia(h: Html, root: string, p: FixturePost, files: Map<number, string>) {
  const m = p.media;
  if (!m) return;
  if (m.kind === 'photo') {
    const rel = files.get(p.id)!;
    const thumb = rel.replace(/\.jpg$/, '_thumb.jpg'); // WriteImageThumb's postfix
    fs.copyFileSync(path.join(root, rel), path.join(root, thumb));
    h.div('media_wrap clearfix');
    h.push('a', { class: 'photo_wrap clearfix pull_left', href: rel });
    h.push('img', { class: 'photo', src: thumb, style: 'width: 260px; height: 260px' }, { empty: true });
    h.pop().pop();
  } else if (m.kind === 'photo_missing') {
    genericMedia(h, {
      classes: 'media_photo',
      title: 'Photo',
      description: NO_FILE_DESCRIPTION[m.reason],
      status: `${m.width}x${m.height}, ${fileSize(m.size)}`,
    });
  } else if (m.kind === 'file') {
    genericMedia(h, { classes: 'media_file', link: files.get(p.id)!, title: m.name, status: fileSize(m.bytes.length) });
  } else if (m.kind === 'file_missing') {
    genericMedia(h, {
      classes: 'media_file',
      title: m.name,
      description: NO_FILE_DESCRIPTION[m.reason],
      status: fileSize(m.size),
    });
  } else if (m.kind === 'sticker') {
    h.div('media_wrap clearfix');
    h.push('a', { class: 'sticker_wrap clearfix pull_left', href: files.get(p.id)! });
    h.push('img', { class: 'sticker', src: files.get(p.id)!, style: 'width: 128px; height: 128px' }, { empty: true });
    h.pop().pop();
  } else if (m.kind === 'video') {
    h.div('media_wrap clearfix');
    h.push('a', { class: 'video_file_wrap clearfix pull_left', href: files.get(p.id)! });
    h.div('video_play_bg').div('video_play').pop().pop();
    h.pop().pop();
  }
}

function writeHtml(root: string, chat: FixtureChat, off: number, pageSize: number) {
  const files = placeMedia(root, '', chat, off);
  const pages: FixturePost[][] = [];
  for (let i = 0; i < chat.posts.length; i += pageSize) pages.push(chat.posts.slice(i, i + pageSize));
  let previous: FixturePost | null = null;
  let dateId = 0;
  pages.forEach((posts, index) => {
    const h = new Html();
    h.raw('<!DOCTYPE html>').push('html').push('head').push('meta', { charset: 'utf-8' }, { empty: true });
    h.push('title', {}, { inline: true }).raw('Exported Data').pop();
    h.push('meta', { content: 'width=device-width, initial-scale=1.0', name: 'viewport' }, { empty: true });
    h.push('link', { href: 'css/style.css', rel: 'stylesheet' }, { empty: true });
    h.push('script', { src: 'js/script.js', type: 'text/javascript' }).pop();
    h.pop().push('body', { onload: 'CheckLocation();' }).div('page_wrap');
    h.div('page_header')
      .div('content')
      .div('text bold')
      .raw(htmlString(`${chat.name} `))
      .pop()
      .pop()
      .pop();
    h.div('page_body chat_page').div('history');
    if (index > 0)
      h.push('a', { class: 'pagination block_link', href: index === 1 ? 'messages.html' : `messages${index}.html` })
        .raw('Previous messages')
        .pop();
    for (const p of posts) {
      if (
        !previous ||
        local(previous.date, off).toISOString().slice(0, 10) !== local(p.date, off).toISOString().slice(0, 10)
      ) {
        h.push('div', { class: 'message service', id: `message-${++dateId}` })
          .div('body details')
          .raw(formatDateTime(p.date, off, false).slice(0, 10))
          .pop()
          .pop();
      }
      if (p.service) {
        h.push('div', { class: 'message service', id: `message${p.id}` })
          .div('body details')
          .raw(htmlString(`Channel «${chat.name}» created`))
          .pop()
          .pop();
        previous = null;
        continue;
      }
      // messageNeedsWrap: a new block unless the same sender posted within 15 minutes
      const wrap: boolean = !previous || previous.service !== undefined || p.date - previous.date >= 900;
      h.push('div', {
        class: wrap ? 'message default clearfix' : 'message default clearfix joined',
        id: `message${p.id}`,
      });
      if (wrap)
        h.div('pull_left userpic_wrap')
          .push('div', { class: 'userpic userpic2', style: 'width: 42px; height: 42px' })
          .push('div', { class: 'initials', style: 'line-height: 42px' })
          .raw(htmlString(chat.name[0] ?? ''))
          .pop()
          .pop()
          .pop();
      h.div('body');
      h.push('div', { class: 'pull_right date details', title: formatDateTime(p.date, off, true) })
        .raw(formatDateTime(p.date, off, false).slice(11, 16))
        .pop();
      if (wrap) h.div('from_name').raw(htmlString(chat.name)).pop();
      htmlMedia(h, root, p, files);
      const text = formatText(p.text);
      if (text) h.div('text').raw(text).pop();
      h.pop().pop();
      previous = p;
    }
    if (index < pages.length - 1)
      h.push('a', { class: 'pagination block_link', href: `messages${index + 2}.html` })
        .raw('Next messages')
        .pop();
    h.pop().pop().pop().pop().pop();
    fs.writeFileSync(path.join(root, index === 0 ? 'messages.html' : `messages${index + 1}.html`), h.out);
  });
}

// ---------------------------------------------------------------------------------------------------

/** Writes `chats` as Telegram Desktop would in `shape` into `dir` (single-chat shapes take the first chat). */
export function writeTdesktopExport(dir: string, shape: ExportShape, chats: FixtureChat[], o: WriteOptions = {}): void {
  const off = o.utcOffsetMinutes ?? 180;
  fs.mkdirSync(dir, { recursive: true });
  if (shape === 'html') return writeHtml(dir, chats[0]!, off, o.htmlPageSize ?? 1000);
  if (shape !== 'json-account') {
    fs.writeFileSync(path.join(dir, 'result.json'), chatJson(0, dir, '', chats[0]!, shape, off));
    return;
  }
  const digits = String(chats.length - 1).length;
  const list = chats.map((c, i) =>
    chatJson(3, dir, `chats/chat_${String(i + 1).padStart(digits, '0')}/`, c, 'json', off),
  );
  const body = jsonObject(0, [
    ['about', jsonString("Here is the data you requested. Remember: Telegram is ad free, it doesn't sell your data.")],
    [
      'chats',
      jsonObject(1, [
        ['about', jsonString('This page lists all chats from this export.')],
        ['list', jsonArray(2, list)],
      ]),
    ],
  ]);
  fs.writeFileSync(path.join(dir, 'result.json'), body);
}
