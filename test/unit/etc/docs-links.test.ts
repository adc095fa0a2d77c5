/**
 * Relative links in docs/*.md and README.md point at files that exist and, with a `#anchor`,
 * at a heading of that file (GitHub's slug rules). Links that leave the repository (to the
 * workspace's shared/ folder) and absolute URLs are not checked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';

/** The markdown outside fenced code blocks. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor of each heading, with `-1`, `-2` ... for repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const files = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];

describe('documentation links', () => {
  it.each(files.map((f) => relative(ROOT, f)))('resolve in %s', (name) => {
    const path = join(ROOT, name);
    const broken: string[] = [];
    for (const m of prose(readFileSync(path, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z]+:/i.test(link)) continue;
      const [file = '', anchor] = link.split('#');
      const target = file === '' ? path : resolve(dirname(path), file);
      if (relative(ROOT, target).startsWith('..')) continue;
      if (!existsSync(target)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (
        anchor !== undefined &&
        target.endsWith('.md') &&
        !anchors(readFileSync(target, 'utf8')).has(anchor)
      )
        broken.push(`${link}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});
