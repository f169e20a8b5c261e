// The shape every family extractor returns; parse-caption picks one and finalises it.
import type { CaptionFields } from '../types.js';

export interface Candidate extends CaptionFields {
  family: string;
  confidence: number;
}

export function emptyCandidate(family: string, confidence: number): Candidate {
  return {
    name: null,
    anime: null,
    rarity: null,
    rarityEmoji: null,
    sourceId: null,
    variant: null,
    family,
    confidence,
  };
}
