/**
 * "Who is this?" for the Telegram bot, independent of Telegram: the same engine and calibrated verdicts as
 * POST /api/v1/search/image, plus a memory of Telegram file_unique_id values already answered with a sure
 * match, so that a repeat of the same spawn answers without a download. Reads the gallery, never writes it.
 */
import type { Queryable } from '../db/database.js';
import type { Verdict } from '../images/verdict-calibration.js';
import { getMatchDetails } from '../repos/image-features.repo.js';
import { findKnownFileArtwork, upsertKnownFile } from '../repos/bot-known-files.repo.js';
import type { ImageSearchService, SearchMatch } from './image-search.service.js';
import { guessCommandFor } from './guess-command.js';
import { NotFoundError } from '../errors.js';

/** One character the answer names. */
export interface BotCandidate {
  characterId: string;
  artworkId: string;
  name: string | null;
  anime: string | null;
  rarity: string | null;
  rarityEmoji: string | null;
  verdict: Verdict;
  /** 0–100 confidence. */
  score: number;
  /** The command to copy, as the admin's guess setting spells it ("/guess Nico Robin"); null when unnamed. */
  guess: string | null;
}

/** What the bot replies with. */
export interface BotAnswer {
  verdict: Verdict;
  /** The character named, or null when the picture is not in the gallery. */
  best: BotCandidate | null;
  /** Other characters the picture may show (distinct from best), strongest first. */
  others: BotCandidate[];
  /** True when the answer came from the file_unique_id memory (no download, no search). */
  fromMemory: boolean;
  tookMs: number;
}

export interface BotAnswerService {
  /** The answer for a file already answered with a sure match, or null (download it and call answer()). */
  recall(fileUniqueId: string): Promise<BotAnswer | null>;
  /** Searches the picture; a sure match is remembered under fileUniqueId. Throws ImageRejectedError on bad bytes. */
  answer(bytes: Buffer, fileUniqueId?: string): Promise<BotAnswer>;
  /** Candidates for artwork ids (the "other candidates" button), in the given order; hidden ones left out. */
  candidates(artworkIds: string[]): Promise<BotCandidate[]>;
}

const SURE: ReadonlySet<Verdict> = new Set(['exact', 'match']);
const MAX_OTHERS = 5;

function fromMatch(m: SearchMatch): BotCandidate {
  const c = m.character;
  return {
    characterId: c.id,
    artworkId: m.artwork.id,
    name: c.name,
    anime: c.anime,
    rarity: c.rarity,
    rarityEmoji: c.rarity_emoji,
    verdict: m.verdict,
    score: m.score,
    guess: null,
  };
}

export function createBotAnswerService(deps: {
  db: Queryable;
  search: Pick<ImageSearchService, 'search'>;
}): BotAnswerService {
  const { db } = deps;

  async function candidates(artworkIds: string[]): Promise<BotCandidate[]> {
    const details = await getMatchDetails(db, artworkIds);
    const out: BotCandidate[] = [];
    for (const id of artworkIds) {
      const d = details.get(id);
      if (!d) continue;
      const c = d.character;
      out.push({
        characterId: c.id,
        artworkId: id,
        name: c.name,
        anime: c.anime,
        rarity: c.rarity,
        rarityEmoji: c.rarity_emoji,
        verdict: 'exact',
        score: 100,
        guess: null,
      });
    }
    return withGuesses(out);
  }

  /** Fills in the guess commands (the same wording as the web app's answer). */
  async function withGuesses(list: BotCandidate[]): Promise<BotCandidate[]> {
    for (const c of list) {
      c.guess = await guessCommandFor(db, c.characterId).then(
        (g) => g.text,
        (err: unknown) => {
          if (err instanceof NotFoundError) return null; // unnamed or hidden meanwhile
          throw err;
        },
      );
    }
    return list;
  }

  return {
    candidates,
    async recall(fileUniqueId) {
      const t0 = performance.now();
      const artworkId = await findKnownFileArtwork(db, fileUniqueId);
      if (!artworkId) return null;
      const [best] = await candidates([artworkId]);
      if (!best) return null;
      return { verdict: 'exact', best, others: [], fromMemory: true, tookMs: Math.round(performance.now() - t0) };
    },
    async answer(bytes, fileUniqueId) {
      const t0 = performance.now();
      const result = await deps.search.search(bytes);
      const seen = new Set<string>();
      const all: BotCandidate[] = [];
      for (const m of result.matches) {
        if (seen.has(m.character.id)) continue; // several artworks of one character count once
        seen.add(m.character.id);
        all.push(fromMatch(m));
      }
      const named = result.verdict !== 'none' ? (all[0] ?? null) : null;
      const others = (named ? all.slice(1) : all).slice(0, MAX_OTHERS);
      if (named) await withGuesses([named]);
      if (named && fileUniqueId && SURE.has(result.verdict)) await upsertKnownFile(db, fileUniqueId, named.artworkId);
      return {
        verdict: named ? result.verdict : 'none',
        best: named,
        others,
        fromMemory: false,
        tookMs: Math.round(performance.now() - t0),
      };
    },
  };
}
