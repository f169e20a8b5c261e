import type { GuessSettings, GuessText, PublicSettings } from '@waifudex/core/api';
import { api } from './client';

export type GuessSettingsDto = GuessSettings;
export type GuessNameForm = GuessSettings['name_form'];

export const getSettings = () => api<PublicSettings>('/api/v1/settings');
export const updateGuessSettings = (s: GuessSettingsDto) =>
  api<PublicSettings>('/api/v1/admin/settings/guess', { method: 'PUT', body: JSON.stringify(s) });
export const getGuessText = (characterId: string) =>
  api<GuessText>(`/api/v1/characters/${encodeURIComponent(characterId)}/guess`);
