import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cmd/exit.js';
import { ERROR_CODES } from '../../../src/error-codes.js';
import { renderErrorsDoc } from '../../../src/error-docs.js';
import { NodepoolError } from '../../../src/errors.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every `'ERR_...'` literal in src/ outside the table itself, with the files using it. */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    if (file.endsWith('error-codes.ts')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)) {
      const code = m[1] ?? '';
      found.set(code, [...(found.get(code) ?? []), file.slice(SRC.length)]);
    }
  }
  return found;
}

describe('error codes', () => {
  it('lists every code the source raises, and only those', () => {
    const inSource = codesInSource();
    const table = Object.keys(ERROR_CODES);
    const undocumented = [...inSource.keys()].filter((c) => !table.includes(c));
    const unused = table.filter((c) => !inSource.has(c));
    expect(undocumented, 'codes missing from src/error-codes.ts').toEqual([]);
    expect(unused, 'codes in src/error-codes.ts that nothing raises').toEqual([]);
  });

  it('gives each code the exit status the executables really use', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect([code, exitCodeFor(new NodepoolError('x', { code }))]).toEqual([code, info.exit]);
    }
  });

  it('docs/errors.md is current (run: npm run docs:errors)', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsDoc());
  });
});
