/** Telegram HTML for the bot's replies: answers, candidate lists and digests (pure, no IO). */
import { InlineKeyboard } from 'grammy';
import type { BotAnswer, BotCandidate } from '@waifudex/core/services/bot-answer.service';
import type { DigestCharacter } from '@waifudex/core/services/bot-digest.service';
import type { Verdict } from '@waifudex/core/images/verdict-calibration';

/** Telegram's longest message text. */
export const MAX_MESSAGE_CHARS = 4096;
const CALLBACK_MAX_BYTES = 64;

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const VERDICT_WORDS: Record<Verdict, string> = {
  exact: '✅ Exact match',
  match: '✅ Match',
  probable: '🤔 Probably',
  none: '❌ Not in the gallery',
};

function detailLine(c: { anime: string | null; rarity: string | null; rarityEmoji: string | null }): string {
  const rarity = c.rarity ? `${c.rarityEmoji ? `${c.rarityEmoji} ` : ''}${c.rarity}` : null;
  return [c.anime ?? 'unknown anime', rarity]
    .filter(Boolean)
    .map((s) => escapeHtml(s!))
    .join(' · ');
}

/** The guess command as tap-to-copy monospace. */
const guessLine = (guess: string) => `<code>${escapeHtml(guess)}</code>`;

/** The reply to a picture. */
export function answerHtml(a: BotAnswer): string {
  if (!a.best) {
    const hint = a.others.length ? '\nThe closest pictures are under “Other candidates”.' : '';
    return `${VERDICT_WORDS.none}${hint}`;
  }
  const b = a.best;
  const score = b.verdict === 'exact' ? '' : ` (${Math.round(b.score)}%)`;
  const lines = [
    `<b>${escapeHtml(b.name ?? 'Unnamed character')}</b>`,
    detailLine(b),
    `${VERDICT_WORDS[a.verdict]}${score}`,
  ];
  if (b.guess) lines.push(guessLine(b.guess));
  return lines.join('\n');
}

/** "alt:<artwork ids>" that fits the 64-byte callback_data limit. */
export function candidatesCallbackData(others: BotCandidate[]): string | null {
  let data = 'alt:';
  for (const o of others) {
    const next = data.length > 4 ? `${data},${o.artworkId}` : `${data}${o.artworkId}`;
    if (Buffer.byteLength(next) > CALLBACK_MAX_BYTES) break;
    data = next;
  }
  return data.length > 4 ? data : null;
}

/** Artwork ids from "alt:…" callback data, or null when it is not ours. */
export function parseCandidatesCallback(data: string): string[] | null {
  const m = /^alt:(\d+(?:,\d+){0,15})$/.exec(data);
  return m ? m[1]!.split(',') : null;
}

/** Buttons under an answer: other candidates, and the character's page when a public URL is configured. */
export function answerKeyboard(a: BotAnswer, publicUrl: string | undefined): InlineKeyboard | undefined {
  const kb = new InlineKeyboard();
  let any = false;
  const data = candidatesCallbackData(a.others);
  if (data) {
    kb.text(`Other candidates (${a.others.length})`, data);
    any = true;
  }
  if (a.best && publicUrl) {
    kb.url('Open page', `${publicUrl}/c/${encodeURIComponent(a.best.characterId)}`);
    any = true;
  }
  return any ? kb : undefined;
}

/** The list the "other candidates" button sends. */
export function candidatesHtml(list: BotCandidate[]): string {
  if (!list.length) return 'No other candidates.';
  return [
    '<b>Other candidates</b>',
    ...list.map(
      (c) =>
        `• <b>${escapeHtml(c.name ?? 'Unnamed')}</b> — ${detailLine(c)}${c.guess ? `\n  ${guessLine(c.guess)}` : ''}`,
    ),
  ].join('\n');
}

/** One digest message, cut to Telegram's length limit with a "… and N more" line. */
export function digestHtml(chars: DigestCharacter[], publicUrl: string | undefined): string {
  const head = `🆕 <b>${chars.length} new character${chars.length === 1 ? '' : 's'}</b>`;
  const line = (c: DigestCharacter) => {
    const name = escapeHtml(c.name ?? 'Unnamed');
    const linked = publicUrl ? `<a href="${escapeHtml(`${publicUrl}/c/${c.id}`)}">${name}</a>` : `<b>${name}</b>`;
    return `• ${linked} — ${detailLine(c)}`;
  };
  const lines = [head];
  let length = head.length;
  for (let i = 0; i < chars.length; i++) {
    const l = line(chars[i]!);
    const more = `… and ${chars.length - i} more`;
    if (length + 1 + l.length + 1 + more.length + 40 > MAX_MESSAGE_CHARS) {
      lines.push(publicUrl ? `${more} in the <a href="${escapeHtml(publicUrl)}">gallery</a>` : more);
      break;
    }
    lines.push(l);
    length += 1 + l.length;
  }
  return lines.join('\n');
}
