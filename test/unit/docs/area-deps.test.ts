import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { areaDependencies, importCycles, renderAreaDeps } from '../../../scripts/lib/area-deps.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

describe('docs/architecture.md area dependencies', () => {
  it('holds the table generated from the imports (run: npm run docs:areas)', () => {
    const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    expect(doc).toContain(renderAreaDeps(SRC));
  });

  it('keeps util/ and compat/ free of nodepool areas', () => {
    const deps = areaDependencies(SRC);
    expect([...(deps.get('util') ?? [])].filter((a) => a !== '(shared)')).toEqual([]);
    expect([...(deps.get('compat') ?? [])].filter((a) => a !== '(shared)')).toEqual([]);
  });

  it('has no import cycle, not even through type-only imports', () => {
    expect(importCycles(SRC)).toEqual([]);
  });
});
