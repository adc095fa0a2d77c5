import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderKeyReference } from '../../../src/config/schema-docs.js';

describe('docs/configuration.md', () => {
  it('holds the key reference generated from the schema (run: npx tsx scripts/gen-config-docs.ts)', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(docs).toContain(renderKeyReference());
  });
});
