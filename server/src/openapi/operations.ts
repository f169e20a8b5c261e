/** Every API operation with the shared schemas it takes and returns: the source of the OpenAPI document. */
import { z } from 'zod';
import * as api from '@waifudex/core/api/index';

export type Access = 'public' | 'admin' | 'admin-session' | 'visitor';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  json?: z.ZodType;
  multipart?: z.ZodObject;
  /** Success status → body schema (null: no body). */
  ok: Record<number, z.ZodType | null>;
  /** Error statuses this operation documents besides the common ones. */
  errors?: number[];
}

const json = (schema: z.ZodType) => ({ 200: schema });

export const operations: Operation[] = [
  { method: 'get', path: '/api/health', summary: 'Health: ok or not ok (details for the admin)', tag: 'meta', access: 'public', ok: json(api.health), errors: [503] },
  { method: 'get', path: '/api/v1/characters', summary: 'Gallery page, newest first or by text/emoji search', tag: 'gallery', access: 'public', query: api.characterListQuery, ok: json(api.characterList) },
  { method: 'get', path: '/api/v1/characters/facets', summary: 'Counts per anime, rarity and channel for the current filters', tag: 'gallery', access: 'public', query: api.characterFilterQuery, ok: json(api.characterFacets), errors: [503] },
  { method: 'get', path: '/api/v1/characters/suggest', summary: 'Autocomplete: names and anime that start with or resemble the text', tag: 'gallery', access: 'public', query: api.characterSuggestQuery, ok: json(api.characterSuggestions), errors: [503] },
  { method: 'get', path: '/api/v1/characters/{id}/posts', summary: 'Source posts of a character in public channels', tag: 'gallery', access: 'public', params: api.idParams, ok: json(api.characterPostLinks) },
  { method: 'get', path: '/api/v1/characters/{id}/guess', summary: 'The guess command for a character, as the admin set it up', tag: 'gallery', access: 'public', params: api.idParams, ok: json(api.guessText), errors: [404] },
  { method: 'get', path: '/api/v1/settings', summary: 'Settings the public app reads (the guess command)', tag: 'gallery', access: 'public', ok: json(api.publicSettings) },
  { method: 'get', path: '/api/v1/characters/{id}', summary: 'One visible character with its artworks', tag: 'gallery', access: 'public', params: api.idParams, ok: json(api.characterDetail), errors: [404] },
  { method: 'get', path: '/api/v1/characters/{id}/similar', summary: 'Look-alike artworks (CLIP, optional)', tag: 'gallery', access: 'public', params: api.idParams, query: api.similarQuery, ok: json(api.similarList), errors: [404] },
  {
    method: 'post', path: '/api/v1/search/image', summary: 'Who is this? Reverse image search by upload or URL', tag: 'search', access: 'public',
    multipart: api.imageUpload, json: api.searchByUrlBody, ok: json(api.searchResult), errors: [413, 415, 422, 429, 502, 503, 504],
  },
  { method: 'post', path: '/api/v1/search/similar', summary: 'Look-alikes of an uploaded picture (CLIP, optional)', tag: 'search', access: 'public', query: api.similarQuery, multipart: api.imageUpload, ok: json(api.similarList), errors: [413, 415, 422, 429, 503] },

  { method: 'post', path: '/api/v1/auth/login', summary: 'Log in as the admin (sets the session cookie)', tag: 'auth', access: 'public', json: api.loginBody, ok: json(api.sessionInfo), errors: [401, 429] },
  { method: 'get', path: '/api/v1/auth/session', summary: 'The current session, or null for a visitor', tag: 'auth', access: 'public', ok: json(api.sessionState) },
  { method: 'get', path: '/api/v1/auth/me', summary: 'The current session', tag: 'auth', access: 'public', ok: json(api.sessionInfo), errors: [401] },
  { method: 'post', path: '/api/v1/auth/logout', summary: 'End this session (needs X-CSRF-Token)', tag: 'auth', access: 'public', ok: { 204: null }, errors: [403] },
  { method: 'post', path: '/api/v1/auth/sessions/end-all', summary: 'End every admin session', tag: 'auth', access: 'admin-session', ok: json(api.endedSessions) },

  { method: 'get', path: '/api/v1/admin/characters', summary: 'All characters with review state', tag: 'admin', access: 'admin', query: api.adminCharacterListQuery, ok: json(api.adminCharacterList) },
  { method: 'post', path: '/api/v1/admin/characters', summary: 'Upload a character (image + caption or fields)', tag: 'admin', access: 'admin', multipart: api.imageUpload.extend(api.characterCreateForm.shape), ok: { 201: api.characterCreated, 200: api.characterCreated }, errors: [413, 415, 422, 503] },
  { method: 'get', path: '/api/v1/admin/characters/{id}', summary: 'One character, admin view', tag: 'admin', access: 'admin', params: api.idParams, ok: json(api.adminCharacterDetail), errors: [404] },
  { method: 'patch', path: '/api/v1/admin/characters/{id}', summary: 'Edit fields or visibility', tag: 'admin', access: 'admin', params: api.idParams, json: api.characterPatchBody, ok: json(api.adminCharacterDetail), errors: [404] },
  { method: 'delete', path: '/api/v1/admin/characters/{id}', summary: 'Move a character to the trash (undo with trash/restore)', tag: 'admin', access: 'admin', params: api.idParams, ok: json(api.trashDeleted), errors: [404] },
  { method: 'post', path: '/api/v1/admin/characters/bulk', summary: 'Set anime/rarity, hide, show, delete (to the trash) or re-parse listed ids or every character a filter matches', tag: 'admin', access: 'admin', json: api.characterBulkBody, ok: json(api.characterBulkResult) },
  { method: 'get', path: '/api/v1/admin/trash', summary: 'Deleted characters, kept until the purge', tag: 'admin', access: 'admin', query: api.pageQuery, ok: json(api.trashList) },
  { method: 'post', path: '/api/v1/admin/trash/restore', summary: 'Undo deletes: bring characters back from the trash', tag: 'admin', access: 'admin', json: api.trashRestoreBody, ok: json(api.trashRestored) },
  { method: 'post', path: '/api/v1/admin/characters/{id}/artwork', summary: 'Replace the current artwork', tag: 'admin', access: 'admin', params: api.idParams, multipart: api.imageUpload, ok: json(api.adminCharacterDetail), errors: [404, 413, 415, 422, 503] },

  { method: 'post', path: '/api/v1/admin/characters/{id}/merge', summary: 'Merge another character into this one (its artworks move, its name becomes an alias)', tag: 'curation', access: 'admin', params: api.idParams, json: api.mergeBody, ok: json(api.mergeResult), errors: [404] },
  { method: 'post', path: '/api/v1/admin/merges/{id}/undo', summary: 'Undo a merge (the merged character comes back with its artworks)', tag: 'curation', access: 'admin', params: api.idParams, ok: json(api.mergeUndone), errors: [404, 409] },
  { method: 'post', path: '/api/v1/admin/characters/{id}/reparse', summary: "Re-parse the captions of a character's artworks", tag: 'curation', access: 'admin', params: api.idParams, ok: json(api.characterReparsed), errors: [404] },
  { method: 'post', path: '/api/v1/admin/artworks/{id}/split', summary: 'Split an artwork out into a character of its own', tag: 'curation', access: 'admin', params: api.idParams, ok: { 201: api.adminCharacterDetail }, errors: [404, 409] },
  { method: 'patch', path: '/api/v1/admin/artworks/{id}', summary: 'Hide or show one artwork', tag: 'curation', access: 'admin', params: api.idParams, json: api.artworkPatchBody, ok: json(api.adminCharacterDetail), errors: [404] },
  { method: 'delete', path: '/api/v1/admin/artworks/{id}', summary: 'Delete one artwork and its files (not the last of a character)', tag: 'curation', access: 'admin', params: api.idParams, ok: json(api.adminCharacterDetail), errors: [404, 409] },
  { method: 'get', path: '/api/v1/admin/quality', summary: 'Data-quality queue: one kind of entry, with the counts of every kind', tag: 'curation', access: 'admin', query: api.qualityListQuery, ok: json(api.qualityList) },
  { method: 'get', path: '/api/v1/admin/quality/counts', summary: 'Data-quality queue: entries per kind', tag: 'curation', access: 'admin', ok: json(api.qualityCounts) },
  { method: 'post', path: '/api/v1/admin/quality/dismiss', summary: 'Mark a queue entry as fine (a sync gap: give up on the message; a skipped post: forget it)', tag: 'curation', access: 'admin', json: api.qualityEntryBody, ok: { 204: null }, errors: [404] },
  { method: 'post', path: '/api/v1/admin/quality/retry', summary: 'Retry a sync gap at the next sync', tag: 'curation', access: 'admin', json: api.qualityEntryBody, ok: { 204: null }, errors: [404] },

  { method: 'get', path: '/api/v1/admin/channels', summary: 'Followed channels', tag: 'admin', access: 'admin', ok: json(api.channelList) },
  { method: 'post', path: '/api/v1/admin/channels', summary: 'Follow a channel', tag: 'admin', access: 'admin', json: api.addChannelBody, ok: { 201: api.channelEnvelope }, errors: [409] },
  { method: 'patch', path: '/api/v1/admin/channels/{id}', summary: 'Enable or disable a channel', tag: 'admin', access: 'admin', params: api.idParams, json: api.channelPatchBody, ok: json(api.channelEnvelope), errors: [404] },
  { method: 'post', path: '/api/v1/admin/channels/{id}/template/preview', summary: 'Dry-run a caption template', tag: 'admin', access: 'admin', params: api.idParams, json: api.templatePreviewBody, ok: json(api.templatePreview), errors: [404] },
  { method: 'get', path: '/api/v1/admin/channels/{id}/template/proposals', summary: 'Templates induced from the channel\'s stored captions, with coverage', tag: 'admin', access: 'admin', params: api.idParams, ok: json(api.templateProposals), errors: [404] },
  { method: 'put', path: '/api/v1/admin/settings/guess', summary: 'Set the guess command', tag: 'admin', access: 'admin', json: api.guessSettings, ok: json(api.publicSettings) },
  { method: 'put', path: '/api/v1/admin/channels/{id}/parsing', summary: 'Save template and emoji table, optionally re-parse', tag: 'admin', access: 'admin', params: api.idParams, json: api.parsingBody, ok: json(api.parsingSaved), errors: [404] },

  { method: 'get', path: '/api/v1/admin/sync', summary: 'Sync overview', tag: 'admin', access: 'admin', ok: json(api.syncOverview) },
  { method: 'post', path: '/api/v1/admin/sync', summary: 'Ask the worker to sync one or all channels', tag: 'admin', access: 'admin', json: api.syncRequestBody, ok: { 202: api.syncRequested }, errors: [404] },
  { method: 'get', path: '/api/v1/admin/sync/events', summary: 'Live sync state (Server-Sent Events: `event: status`, data = the sync overview)', tag: 'admin', access: 'admin', ok: { 200: z.string().meta({ description: 'text/event-stream' }) } },
  { method: 'get', path: '/api/v1/admin/telegram', summary: 'Telegram session health and the login in progress', tag: 'admin', access: 'admin', ok: json(api.telegramStatus) },
  { method: 'post', path: '/api/v1/admin/telegram/login', summary: 'Start a Telegram login (phone or QR code)', tag: 'admin', access: 'admin', json: api.loginStartBody, ok: { 202: api.loginFlow }, errors: [409] },
  { method: 'post', path: '/api/v1/admin/telegram/login/answer', summary: 'Answer the login step (phone number, code, 2FA password)', tag: 'admin', access: 'admin', json: api.loginAnswerBody, ok: json(api.loginFlow), errors: [409] },
  { method: 'delete', path: '/api/v1/admin/telegram/login', summary: 'Cancel the login in progress', tag: 'admin', access: 'admin', ok: { 204: null } },
  { method: 'post', path: '/api/v1/admin/telegram/logout', summary: 'Remove the stored Telegram session', tag: 'admin', access: 'admin', ok: json(api.telegramLoggedOut) },
  { method: 'get', path: '/api/v1/admin/bot', summary: 'Telegram bot status, groups and subscriber counts', tag: 'admin', access: 'admin', ok: json(api.botStatus) },
  { method: 'put', path: '/api/v1/admin/bot/settings', summary: 'Turn the Telegram bot on or off, set its allow-list', tag: 'admin', access: 'admin', json: api.botSettingsBody, ok: json(api.botStatus) },

  { method: 'get', path: '/api/v1/admin/tokens', summary: 'Read-only API tokens', tag: 'tokens', access: 'admin-session', ok: json(api.tokenList) },
  { method: 'post', path: '/api/v1/admin/tokens', summary: 'Create a read-only API token (shown once)', tag: 'tokens', access: 'admin-session', json: api.createTokenBody, ok: { 201: api.createdToken } },
  { method: 'delete', path: '/api/v1/admin/tokens/{id}', summary: 'Revoke an API token', tag: 'tokens', access: 'admin-session', params: api.idParams, ok: { 204: null }, errors: [404] },

  { method: 'get', path: '/api/v1/visitor/config', summary: 'Whether visitors may sign up (closed, invite, open) and comment', tag: 'visitors', access: 'public', ok: json(api.visitorConfig) },
  { method: 'post', path: '/api/v1/visitor/signup', summary: 'Create a visitor account (when open, or with an invite) and sign in', tag: 'visitors', access: 'public', json: api.signupBody, ok: { 201: api.visitorSession }, errors: [403, 409, 429] },
  { method: 'post', path: '/api/v1/visitor/login', summary: 'Sign in as a visitor (sets the wdx_visitor cookie)', tag: 'visitors', access: 'public', json: api.visitorLoginBody, ok: json(api.visitorSession), errors: [401, 429] },
  { method: 'get', path: '/api/v1/visitor/session', summary: 'The visitor session, or null', tag: 'visitors', access: 'public', ok: json(api.visitorSessionState) },
  { method: 'post', path: '/api/v1/visitor/logout', summary: 'End the visitor session (needs X-CSRF-Token)', tag: 'visitors', access: 'public', ok: { 204: null }, errors: [403] },
  { method: 'get', path: '/api/v1/me/marks', summary: 'Ids the visitor liked and caught', tag: 'visitors', access: 'visitor', ok: json(api.myMarks) },
  { method: 'put', path: '/api/v1/me/likes/{id}', summary: 'Like a character', tag: 'visitors', access: 'visitor', params: api.idParams, ok: json(api.likeState), errors: [404] },
  { method: 'delete', path: '/api/v1/me/likes/{id}', summary: 'Take a like back', tag: 'visitors', access: 'visitor', params: api.idParams, ok: json(api.likeState), errors: [404] },
  { method: 'put', path: '/api/v1/me/collection/{id}', summary: 'Mark a character as caught', tag: 'visitors', access: 'visitor', params: api.idParams, ok: json(api.caughtState), errors: [404] },
  { method: 'delete', path: '/api/v1/me/collection/{id}', summary: 'Unmark a caught character', tag: 'visitors', access: 'visitor', params: api.idParams, ok: json(api.caughtState), errors: [404] },
  { method: 'post', path: '/api/v1/me/collection', summary: 'Mark many characters as caught (after a harem preview)', tag: 'visitors', access: 'visitor', json: api.markManyBody, ok: json(api.markedMany) },
  { method: 'post', path: '/api/v1/me/collection/harem/preview', summary: "Which characters a pasted /harem message names (nothing is marked yet)", tag: 'visitors', access: 'visitor', json: api.haremPreviewBody, ok: json(api.haremPreview) },
  { method: 'get', path: '/api/v1/me/collection/completion', summary: 'Caught/total overall, per anime and per rarity', tag: 'visitors', access: 'visitor', ok: json(api.completion) },
  { method: 'get', path: '/api/v1/me/collection/export', summary: 'Download the collection as JSON or CSV', tag: 'visitors', access: 'visitor', query: api.exportQuery, ok: json(api.collectionExport) },
  { method: 'post', path: '/api/v1/me/collection/import', summary: 'Import a JSON or CSV collection export', tag: 'visitors', access: 'visitor', json: api.importBody, ok: json(api.importResult) },
  { method: 'get', path: '/api/v1/characters/{id}/comments', summary: 'Approved comments of a character', tag: 'visitors', access: 'public', params: api.idParams, ok: json(api.commentList) },
  { method: 'post', path: '/api/v1/characters/{id}/comments', summary: 'Write a comment (waits for the admin\'s approval)', tag: 'visitors', access: 'visitor', params: api.idParams, json: api.commentBody, ok: { 201: api.comment }, errors: [404, 429] },

  { method: 'get', path: '/api/v1/admin/visitors', summary: 'Visitor settings, accounts and invites', tag: 'admin', access: 'admin', ok: json(api.visitorsOverview) },
  { method: 'put', path: '/api/v1/admin/visitors/settings', summary: 'Set the registration mode and the comments switch', tag: 'admin', access: 'admin', json: api.visitorSettings, ok: json(api.visitorsOverview) },
  { method: 'post', path: '/api/v1/admin/visitors/invites', summary: 'Create an invite link (shown once)', tag: 'admin', access: 'admin', json: api.createInviteBody, ok: { 201: api.createdInvite } },
  { method: 'delete', path: '/api/v1/admin/visitors/invites/{id}', summary: 'Revoke an invite', tag: 'admin', access: 'admin', params: api.idParams, ok: { 204: null }, errors: [404] },
  { method: 'delete', path: '/api/v1/admin/visitors/{id}', summary: 'Delete a visitor with their likes, collection and comments', tag: 'admin', access: 'admin', params: api.idParams, ok: { 204: null }, errors: [404] },
  { method: 'get', path: '/api/v1/admin/comments', summary: 'The comment moderation queue (or the approved ones)', tag: 'admin', access: 'admin', query: api.commentQueueQuery, ok: json(api.commentList) },
  { method: 'post', path: '/api/v1/admin/comments/{id}/approve', summary: 'Approve a comment', tag: 'admin', access: 'admin', params: api.idParams, ok: json(api.comment), errors: [404] },
  { method: 'delete', path: '/api/v1/admin/comments/{id}', summary: 'Delete a comment', tag: 'admin', access: 'admin', params: api.idParams, ok: { 204: null }, errors: [404] },

  { method: 'get', path: '/api/v1/admin/webhooks', summary: 'Outgoing webhooks', tag: 'webhooks', access: 'admin', ok: json(api.webhookList) },
  { method: 'post', path: '/api/v1/admin/webhooks', summary: 'Register a webhook URL (the signing secret is shown once)', tag: 'webhooks', access: 'admin', json: api.createWebhookBody, ok: { 201: api.createdWebhook } },
  { method: 'patch', path: '/api/v1/admin/webhooks/{id}', summary: 'Change or switch a webhook', tag: 'webhooks', access: 'admin', params: api.idParams, json: api.patchWebhookBody, ok: json(api.webhook), errors: [404] },
  { method: 'delete', path: '/api/v1/admin/webhooks/{id}', summary: 'Delete a webhook and its delivery log', tag: 'webhooks', access: 'admin', params: api.idParams, ok: { 204: null }, errors: [404] },
  { method: 'get', path: '/api/v1/admin/webhooks/{id}/deliveries', summary: 'Delivery log (newest 50, with every attempt)', tag: 'webhooks', access: 'admin', params: api.idParams, ok: json(api.webhookDeliveries), errors: [404] },
  { method: 'post', path: '/api/v1/admin/webhooks/{id}/test', summary: 'Queue a test delivery (event "ping")', tag: 'webhooks', access: 'admin', params: api.idParams, ok: { 202: z.object({ delivery_id: api.idSchema }) }, errors: [404] },
  { method: 'post', path: '/api/v1/admin/webhooks/deliveries/{id}/redeliver', summary: 'Send an undelivered delivery again now', tag: 'webhooks', access: 'admin', params: api.idParams, ok: { 202: z.object({ delivery_id: api.idSchema }) }, errors: [404] },

  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', tag: 'meta', access: 'public', ok: { 200: z.object({ openapi: z.string() }).loose() } },
];
