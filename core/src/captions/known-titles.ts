// Widely known series titles (and common short forms), a prior for captions parsed with no channel
// context: "One Piece\nNico Robin" or "Jujutsu Kaisen - Satoru Gojo" are settled by knowing the title.
// Channel context adds the gallery's own titles on top (see channel-context.ts).
import { normalizeForSearch } from './normalize.js';

/**
 * Comparison key of a title or name: the search key (case, diacritics, spacing folded). Caption
 * values are already NFKC-normalised, so a cheap lower-case form is tried first and the full key
 * only for text outside ASCII.
 */
export function titleKey(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7F]*$/.test(s) ? s.toLowerCase().replace(/\s+/g, ' ').trim() : normalizeForSearch(s);
}

const TITLES = [
  'One Piece', 'Naruto', 'Naruto Shippuden', 'Boruto', 'Bleach', 'Dragon Ball', 'Dragon Ball Z', 'Dragon Ball Super',
  'Attack on Titan', 'Shingeki no Kyojin', 'Demon Slayer', 'Kimetsu no Yaiba', 'Jujutsu Kaisen', 'Chainsaw Man',
  'My Hero Academia', 'Boku no Hero Academia', 'Hunter x Hunter', 'Fullmetal Alchemist', 'Fullmetal Alchemist: Brotherhood',
  'Death Note', 'Code Geass', 'Tokyo Ghoul', 'One Punch Man', 'Mob Psycho 100', 'Spy x Family', 'Oshi no Ko',
  'Blue Lock', 'Haikyuu!!', 'Haikyuu', 'Black Clover', 'Fairy Tail', 'Sword Art Online', 'Re:Zero', 'Konosuba',
  'KonoSuba', 'Overlord', 'Steins;Gate', 'Neon Genesis Evangelion', 'Evangelion', 'Cowboy Bebop', 'Gintama',
  'Hellsing', 'Berserk', 'Vinland Saga', 'Dr. Stone', 'The Promised Neverland', 'Fire Force', 'Soul Eater',
  'Blue Exorcist', 'Noragami', 'Toradora', 'Toradora!', 'Clannad', 'Angel Beats!', 'Your Lie in April',
  'Violet Evergarden', 'Kaguya-sama: Love is War', 'Horimiya', 'Frieren', 'Sousou no Frieren',
  "Frieren: Beyond Journey's End", 'Solo Leveling', 'Tokyo Revengers', 'Hell\'s Paradise', 'Dandadan', 'Kaiju No. 8',
  'Genshin Impact', 'Honkai: Star Rail', 'Honkai Impact 3rd', 'Blue Archive', 'Azur Lane', 'Arknights',
  'Fate/stay night', 'Fate/Zero', 'Fate/Grand Order', 'Nier:Automata', 'NieR:Automata', 'Persona 5', 'Zenless Zone Zero',
  'Darling in the FranXX', 'Darling in the Franxx', 'High School DxD', 'Date A Live', 'Akame ga Kill!', 'Kill la Kill',
  'Sailor Moon', 'Cardcaptor Sakura', 'Pokemon', 'Pokémon', 'Digimon', 'Yu-Gi-Oh!', 'Inuyasha', 'Ranma 1/2',
  'JoJo\'s Bizarre Adventure', 'Jojo\'s Bizarre Adventure', 'Made in Abyss', 'Mushoku Tensei', 'Rent-a-Girlfriend',
  'The Quintessential Quintuplets', 'Quintessential Quintuplets', 'Nisekoi', 'Monogatari', 'Bakemonogatari',
  'Bocchi the Rock!', 'Lycoris Recoil', 'My Dress-Up Darling', 'Chainsaw man', 'Cyberpunk: Edgerunners',
  'Hunter X Hunter', 'Assassination Classroom', 'Classroom of the Elite', 'The Seven Deadly Sins', 'Seven Deadly Sins',
  'Tokyo Mew Mew', 'Pandora Hearts', 'Durarara!!', 'Psycho-Pass', 'Parasyte', 'Erased', 'Plastic Memories',
  'Beastars', 'Aggretsuko', 'Mashle', 'Undead Unluck', 'Sakamoto Days', 'Kaiju No.8', 'Wind Breaker', 'Vagabond',
  'Slam Dunk', 'Kuroko no Basket', 'Yuri!!! on Ice', 'Free!', 'Banana Fish', 'Chihayafuru',
  'That Time I Got Reincarnated as a Slime', 'Tensei Shitara Slime Datta Ken', 'The Rising of the Shield Hero',
  'No Game No Life', 'Log Horizon', 'Goblin Slayer', 'The Apothecary Diaries', 'Spy Classroom', 'Chained Soldier',
  'Rascal Does Not Dream of Bunny Girl Senpai', 'Fruits Basket', 'Ouran High School Host Club', 'Trigun',
  'Fullmetal Panic!', 'Gurren Lagann', 'Tengen Toppa Gurren Lagann', 'Promare', 'Cyberpunk Edgerunners',
  'Hololive', 'Vocaloid', 'Touhou', 'Touhou Project', 'League of Legends', 'Valorant', 'Overwatch', 'Final Fantasy',
  'Final Fantasy VII', 'Kingdom Hearts', 'The Legend of Zelda', 'Elden Ring', 'Uma Musume', 'Love Live!',
  'Lucky Star', 'K-On!', 'Nichijou', 'Spice and Wolf', 'Wolf Children', 'Your Name', 'Weathering with You',
  'Howl\'s Moving Castle', 'Spirited Away', 'Princess Mononoke', 'Steins Gate', 'Re:Zero kara Hajimeru Isekai Seikatsu',
];

export const KNOWN_TITLES: ReadonlySet<string> = new Set(TITLES.map(titleKey));
