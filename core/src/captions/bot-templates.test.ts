// Development cases written from the message templates of public catcher-bot repositories
// (testdata/bot-templates.dev.jsonl), scored per class. The held-out file beside it is not used
// for tuning; its figure is only printed.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatReport, loadCases, scoreCases } from './case-eval.js';
import { parseCaption } from './parse-caption.js';

const dev = loadCases(fileURLToPath(new URL('./testdata/bot-templates.dev.jsonl', import.meta.url)));
const heldOut = loadCases(fileURLToPath(new URL('./testdata/bot-templates.holdout.jsonl', import.meta.url)));

describe('bot-template captions', () => {
  it('parses the development cases of every class', () => {
    const rep = scoreCases(dev);
    console.log(`[captions] bot templates (dev): ${formatReport(rep)}`);
    expect(rep.failures).toEqual([]);
  });

  it('reports the held-out figure (never tuned on)', () => {
    const rep = scoreCases(heldOut);
    console.log(`[captions] bot templates (held-out): ${formatReport(rep, false)}`);
    expect(rep.total).toBeGreaterThan(30);
  });

  it('gives no character from event messages, legends and notices', () => {
    const events = dev.filter((x) => (x.class === 'event' || x.class === 'spawn_rarity') && x.expected.name === null);
    const others = dev.filter((x) => x.class === 'not_character');
    expect(events.length + others.length).toBeGreaterThan(15);
    for (const c of events) expect(parseCaption(c.caption).kind, c.caption).toBe('event');
    for (const c of others) expect(parseCaption(c.caption).kind, c.caption).not.toBe('character');
  });
});
