// Which captioned posts become characters: positive evidence of a notice is needed to leave a picture out.
import { describe, expect, it } from 'vitest';
import { nonCharacterReason } from './character-post.js';
import { parseCaption } from './parse-caption.js';

const reason = (caption: string) => nonCharacterReason(caption.trim() ? parseCaption(caption) : null, caption);

describe('nonCharacterReason', () => {
  it('skips bot events, legends and notices', () => {
    expect(reason('A wild 🟣 Rare husbando has appeared! /grab name')).toBe('bot_event');
    expect(reason('Rarity Map:\n1 - ⚪ Common\n2 - 🟣 Rare\n3 - 🟡 Legendary')).toBe('not_character');
    expect(reason('❌ Character not found.')).toBe('not_character');
    expect(reason('Credits: @waifu_uploads')).toBe('not_character');
    expect(reason('🎉 Giveaway tonight! Join us')).toBe('not_character');
    expect(reason('🌸🌸🌸')).toBe('not_character');
  });

  it('keeps pictures whose caption names a character, is empty, or is unreadable data', () => {
    expect(reason('Character Name: Rem\nAnime Name: Re:Zero\nID: 5')).toBeNull();
    expect(reason('')).toBeNull();
    // the parser cannot read these, but nothing says they are not characters: stored, flagged for review
    for (const c of ['Fate/stay night ^ Saber ^ #0100', 'just a picture']) {
      expect(reason(c), c).toBeNull();
    }
  });
});
