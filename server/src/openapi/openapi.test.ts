import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { OPENAPI_FILE, serializeOpenApi } from './write-openapi.js';
import { operations } from './operations.js';

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = JSON.parse(serializeOpenApi());
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('the committed docs/openapi.json is current (run `npm run openapi` after changing the API)', () => {
    expect(fs.existsSync(OPENAPI_FILE)).toBe(true);
    expect(fs.readFileSync(OPENAPI_FILE, 'utf8')).toBe(serializeOpenApi());
  });

  it('documents one error shape, and every operation answers it', () => {
    const doc = JSON.parse(serializeOpenApi());
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    for (const op of operations)
      expect(doc.paths[op.path][op.method].responses['400']).toEqual({ $ref: '#/components/responses/E400' });
    expect(doc.components.schemas.Channel.properties).toHaveProperty('caption_template');
    expect(JSON.stringify(doc)).not.toMatch(/accessHash|access_hash/);
  });
});
