import { api } from './client';

export type GuessNameForm = 'full' | 'first' | 'shortest_unique';
export interface GuessSettingsDto { command: string; name_form: GuessNameForm }

export const getSettings = () => api<{ guess: GuessSettingsDto }>('/api/v1/settings');
export const updateGuessSettings = (s: GuessSettingsDto) =>
  api<{ guess: GuessSettingsDto }>('/api/v1/admin/settings/guess', { method: 'PUT', body: JSON.stringify(s) });
export const getGuessText = (characterId: string) => api<{ text: string }>(`/api/v1/characters/${encodeURIComponent(characterId)}/guess`);
