/** Admin-editable settings the public app reads (the "who is this?" guess command). */
import { z } from 'zod';

/** How the "who is this?" answer spells the chat command a player copies, e.g. "/guess Nico Robin". */
export const guessSettings = z.object({
  command: z
    .string()
    .trim()
    .regex(/^\/[A-Za-z0-9_]{1,32}$/, 'must be a slash and 1–32 letters, digits or _ (like /guess)')
    .meta({ description: "The catcher bot's command, with its slash: /guess, /grab, /catch …" }),
  name_form: z
    .enum(['full', 'first', 'shortest_unique'])
    .meta({ description: "Full name, first name word, or the shortest word no other character's name contains." }),
});
export type GuessSettings = z.infer<typeof guessSettings>;

export const publicSettings = z.object({ guess: guessSettings }).meta({ id: 'PublicSettings' });
export type PublicSettings = z.infer<typeof publicSettings>;

export const guessText = z
  .object({ text: z.string().meta({ example: '/guess Nico Robin' }) })
  .meta({ id: 'GuessText' });
export type GuessText = z.infer<typeof guessText>;
