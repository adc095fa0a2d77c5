/**
 * Writes docs/errors.md from src/error-codes.ts.
 * Usage: npm run docs:errors   (test/unit/errors/error-codes.test.ts checks it is current)
 */
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../src/error-docs.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
