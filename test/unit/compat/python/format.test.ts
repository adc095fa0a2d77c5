import { describe, expect, it } from 'vitest';
import { FormatSyntaxError, pyStr, strFormat } from '../../../../src/compat/python/index.js';

describe('strFormat', () => {
  it('hands each field to the resolver with its name, path and offset', () => {
    const seen: unknown[] = [];
    const out = strFormat('a{x.y!r:>3}b{{c}}{z}', (f) => {
      seen.push({ text: f.text, name: f.name, path: f.path, offset: f.offset });
      return `<${f.name}>`;
    });
    expect(out).toBe('a<x.y>b{c}<z>');
    expect(seen).toEqual([
      { text: 'x.y!r:>3', name: 'x.y', path: ['x', 'y'], offset: 1 },
      { text: 'z', name: 'z', path: ['z'], offset: 17 },
    ]);
  });

  it('rejects an unmatched "{" and a single "}" with their offsets', () => {
    expect(() => strFormat('ab{c', () => '')).toThrow(
      expect.objectContaining({ offset: 2, code: 'ERR_FORMAT_SYNTAX' }) as Error,
    );
    expect(() => strFormat('ab}c', () => '')).toThrow(FormatSyntaxError);
  });
});

describe('pyStr', () => {
  it('prints None, True and False as Python does', () => {
    expect([null, undefined, true, false, 3, 2.5, 'x'].map(pyStr)).toEqual([
      'None',
      'None',
      'True',
      'False',
      '3',
      '2.5',
      'x',
    ]);
  });
});
