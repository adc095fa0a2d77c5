/**
 * Rewrites the generated key reference inside docs/configuration.md from the schema.
 * Usage: npx tsx scripts/gen-config-docs.ts   (test/unit/config/docs.test.ts checks it is current)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DOCS_BEGIN, DOCS_END, renderKeyReference } from '../src/config/schema-docs.js';

const path = new URL('../docs/configuration.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const start = text.indexOf(DOCS_BEGIN);
const end = text.indexOf(DOCS_END);
if (start < 0 || end < start)
  throw new Error('docs/configuration.md lacks the generated-reference markers');
writeFileSync(
  path,
  text.slice(0, start) + renderKeyReference() + text.slice(end + DOCS_END.length),
);
