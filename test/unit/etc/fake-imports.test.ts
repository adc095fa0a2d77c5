/**
 * The test doubles that ship (the fake cloud) stay out of the daemons' wiring: only `cmd/`
 * (the composition root) imports `fakecloud/`, and `fakecloud/` may depend on `provider/`
 * but not the reverse. Read from the source's import statements (static and dynamic).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** The area (first folder under src/) of a file, or '' for files at src/'s top. */
function areaOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '';
}

/** Every (importing area, imported area) pair, with the importing file. */
function areaEdges(): Array<{ from: string; to: string; file: string }> {
  const edges: Array<{ from: string; to: string; file: string }> = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(SRC)) continue;
      const to = areaOf(target);
      const from = areaOf(file);
      if (to !== from) edges.push({ from, to, file: relative(ROOT, file) });
    }
  }
  return edges;
}

describe('the fake cloud in the import graph', () => {
  const edges = areaEdges();

  it('finds the import graph (the scan sees the composition root importing the fake cloud)', () => {
    expect(edges.some((e) => e.from === 'cmd' && e.to === 'fakecloud')).toBe(true);
    expect(edges.some((e) => e.from === 'fakecloud' && e.to === 'provider')).toBe(true);
  });

  it('is imported by no area but cmd/', () => {
    const importers = edges.filter((e) => e.to === 'fakecloud' && e.from !== 'cmd');
    expect(importers).toEqual([]);
  });
});
