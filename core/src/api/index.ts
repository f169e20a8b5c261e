/** The API contract: browser-safe zod schemas and their types (import from '@waifudex/core/api/index'). */
export * from './common.js';
export * from './characters.js';
export * from './admin-characters.js';
export * from './channels.js';
export * from './sync.js';
export * from './search.js';
export * from './auth.js';
export * from './health.js';
export * from './settings.js';
export * from './image-url.js';
export * from './bot.js';
export * from './curation.js';
export * from './telegram.js';
export * from './visitors.js';
export * from './webhooks.js';
