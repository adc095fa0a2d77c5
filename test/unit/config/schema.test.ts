import { describe, expect, it } from 'vitest';
import { toJsonSchema } from '../../../src/config/index.js';
import { PROVIDER, TOP_LEVEL } from '../../../src/config/schema.js';

describe('toJsonSchema', () => {
  const schema = toJsonSchema() as Record<string, any>;

  it('is a draft 2020-12 object schema that rejects unknown keys', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(TOP_LEVEL.fields).sort());
  });

  it('carries required keys, types, defaults and descriptions of providers', () => {
    const provider = schema.properties.providers.items;
    expect(provider.required).toEqual(['name', 'max-servers', 'images']);
    expect(provider.properties['boot-timeout']).toMatchObject({
      type: ['integer', 'boolean'],
      default: 60,
    });
    expect(provider.properties.rate).toMatchObject({ type: 'number', default: 1 });
    expect(provider.properties.networks.items.oneOf).toHaveLength(2);
    expect(provider.properties.images.items.properties.meta).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    for (const [key, field] of Object.entries(PROVIDER.fields)) {
      expect(provider.properties[key].description, key).toBe(field.description);
    }
  });

  it('marks the 0.3-era keys deprecated', () => {
    expect(schema.properties['script-dir'].deprecated).toBe(true);
    expect(schema.properties.cron.properties['update-image'].deprecated).toBe(true);
  });
});
