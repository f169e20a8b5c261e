/**
 * Builds the OpenAPI 3.1 document from the shared zod schemas (zod 4's JSON Schema output, draft 2020-12,
 * which is OpenAPI 3.1's schema dialect). Named schemas (`.meta({ id })`) become components.
 */
import { z } from 'zod';
import { errorBody } from '@waifudex/core/api/index';
import { operations, type Operation } from './operations.js';

type Json = Record<string, any>;

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (validation_failed, invalid_upload, …)',
  401: 'Not logged in, or an invalid API token',
  403: 'CSRF token or origin wrong, or a read-only token used for a write',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  415: 'Unsupported image type',
  422: 'Unreadable or too small image',
  429: 'Rate limit; see Retry-After',
  502: 'The image URL failed',
  503: 'Busy (image queue full), warming_up (image search still loading its index after a start) or database unavailable; see Retry-After',
  504: 'The image URL did not answer in time',
};

/** Converts one schema; its named sub-schemas are collected into `components`. */
function convert(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const raw = JSON.stringify(
    z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }),
  );
  const out = JSON.parse(raw.replace(/"#\/\$defs\/([^"]+)"/g, (_m, n) => `"#/components/schemas/${n}"`)) as Json;
  const { $schema: _s, $defs, ...rest } = out;
  for (const [name, def] of Object.entries(($defs ?? {}) as Json)) {
    // Request (input) and response (output) views of one schema could differ (defaults, transforms): keep the first, flag a clash.
    if (components[name] && JSON.stringify(components[name]) !== JSON.stringify(def))
      throw new Error(`schema ${name} differs between uses (${io})`);
    components[name] = def;
  }
  return rest;
}

function parameters(op: Operation, components: Json): Json[] {
  const list: Json[] = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const js = convert(schema, 'input', components);
    const required = new Set<string>(js.required ?? []);
    for (const [name, s] of Object.entries((js.properties ?? {}) as Json)) {
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: s,
        ...(s.description ? { description: s.description } : {}),
      });
    }
  }
  return list;
}

function operation(op: Operation, components: Json): Json {
  const responses: Json = {};
  for (const [status, schema] of Object.entries(op.ok)) {
    responses[status] = schema
      ? { description: 'OK', content: { 'application/json': { schema: convert(schema, 'output', components) } } }
      : { description: 'Done' };
  }
  for (const status of [400, ...(op.access === 'public' ? [] : [401, 403]), ...(op.errors ?? [])]) {
    responses[status] = { $ref: `#/components/responses/E${status}` };
  }
  const content: Json = {};
  if (op.json) content['application/json'] = { schema: convert(op.json, 'input', components) };
  if (op.multipart) content['multipart/form-data'] = { schema: convert(op.multipart, 'input', components) };
  const security =
    op.access === 'public'
      ? undefined
      : op.access === 'admin'
        ? [{ session: [] }, { apiToken: [] }]
        : op.access === 'visitor'
          ? [{ visitorSession: [] }]
          : [{ session: [] }];
  return {
    summary: op.summary,
    operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    tags: [op.tag],
    ...(security ? { security } : {}),
    ...(op.params || op.query ? { parameters: parameters(op, components) } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the API (deterministic: same code, same bytes). */
export function buildOpenApi(version: string): Json {
  const components: Json = {};
  const paths: Json = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operation(op, components);
  convert(errorBody, 'output', components); // registers the named Error schema
  const errorResponses = Object.fromEntries(
    Object.entries(ERROR_TEXT).map(([status, description]) => [
      `E${status}`,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  );
  const sortedSchemas = Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Waifudex API',
      version,
      description:
        'Self-hosted character gallery fed by Telegram channels. JSON in snake_case. Errors always have the `Error` shape. ' +
        'Admin writes need the session cookie plus X-CSRF-Token; external apps use a read-only API token (`Authorization: Bearer wdx_…`), ' +
        'which may call every GET and the search routes. Searches are rate limited per address or token (429 + Retry-After). ' +
        'Visitor accounts (off by default) have their own cookie and CSRF token and can reach no admin route. ' +
        'Webhook deliveries are JSON POSTs with X-Waifudex-Event, X-Waifudex-Delivery (dedupe on it: delivery is at-least-once) and ' +
        'X-Waifudex-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook secret>.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'gallery' },
      { name: 'search' },
      { name: 'auth' },
      { name: 'visitors' },
      { name: 'admin' },
      { name: 'curation' },
      { name: 'webhooks' },
      { name: 'tokens' },
      { name: 'meta' },
    ],
    paths,
    components: {
      schemas: sortedSchemas,
      responses: errorResponses,
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'wdx_session',
          description: 'Admin session from POST /api/v1/auth/login.',
        },
        apiToken: { type: 'http', scheme: 'bearer', description: 'Read-only API token created in the admin panel.' },
        visitorSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'wdx_visitor',
          description: 'Visitor session from POST /api/v1/visitor/signup or /login; writes need X-CSRF-Token too.',
        },
      },
    },
  };
}
