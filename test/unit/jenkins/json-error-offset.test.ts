import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../../src/jenkins/json-error-offset.js';

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

describe('jsonErrorOffset', () => {
  it('points at the first bad character', () => {
    expect(jsonErrorOffset('{"name": }')).toBe(9);
    expect(jsonErrorOffset('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
    expect(jsonErrorOffset('{"a": ')).toBe(6);
    expect(jsonErrorOffset(' {"a": [true, null, -1.5e3, "\\u00e9"]} ')).toBeNull();
  });

  it('agrees with JSON.parse on random input', () => {
    let seed = 3;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"a"',
      ':',
      ',',
      '1',
      '-',
      '0',
      '.5',
      'e',
      'true',
      'nul',
      'null',
      ' ',
      '"\\',
      '\\u12',
      '"',
      '\n',
    ];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      expect(jsonErrorOffset(s) === null, JSON.stringify(s)).toBe(parses(s));
    }
  });
});
