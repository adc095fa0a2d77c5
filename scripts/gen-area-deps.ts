/**
 * Rewrites the "Area dependencies" table of docs/architecture.md from the source's imports.
 * Usage: npm run docs:areas   (test/unit/docs/area-deps.test.ts checks it is current)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AREAS_BEGIN, AREAS_END, renderAreaDeps } from './lib/area-deps.js';

const path = new URL('../docs/architecture.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const start = text.indexOf(AREAS_BEGIN);
const end = text.indexOf(AREAS_END);
if (start < 0 || end < start) throw new Error('docs/architecture.md lacks the area-deps markers');
const table = renderAreaDeps(fileURLToPath(new URL('../src/', import.meta.url)));
writeFileSync(path, text.slice(0, start) + table + text.slice(end + AREAS_END.length));
