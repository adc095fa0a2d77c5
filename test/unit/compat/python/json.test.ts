import { describe, expect, it } from 'vitest';
import { floatRepr, jsonDumps } from '../../../../src/compat/python/index.js';

// Expected texts are what /usr/bin/python3's json.dumps prints for the same values;
// test/integration/compat/python-oracle.test.ts asks Python itself for a wider set.
describe('jsonDumps', () => {
  it('writes separators, literals and nesting as json.dumps does', () => {
    expect(jsonDumps({ a: 1, b: 'x', c: null, d: [1, 'y'], e: true })).toBe(
      '{"a": 1, "b": "x", "c": null, "d": [1, "y"], "e": true}',
    );
    expect(jsonDumps({})).toBe('{}');
    expect(jsonDumps([])).toBe('[]');
    expect(jsonDumps({ a: 'x', b: [1, null, true], c: { d: 'é' } })).toBe(
      '{"a": "x", "b": [1, null, true], "c": {"d": "\\u00e9"}}',
    );
  });

  it('escapes everything outside printable ASCII as UTF-16 code units (ensure_ascii)', () => {
    expect(jsonDumps('ä☃😀\u007f')).toBe('"\\u00e4\\u2603\\ud83d\\ude00\\u007f"');
    expect(jsonDumps('a\tb\n"\\\u0001')).toBe('"a\\tb\\n\\"\\\\\\u0001"');
    expect(jsonDumps({ clé: 'v' })).toBe('{"cl\\u00e9": "v"}');
  });

  it('drops undefined members and refuses values JSON cannot hold', () => {
    expect(jsonDumps({ a: undefined, b: 1 })).toBe('{"b": 1}');
    expect(() => jsonDumps({ f: () => 1 })).toThrow(TypeError);
  });

  it('writes the keys the caller names as Python floats', () => {
    expect(jsonDumps(2.5)).toBe('2.5');
    expect(jsonDumps({ state_time: 5 }, { floatKeys: new Set(['state_time']) })).toBe(
      '{"state_time": 5.0}',
    );
    expect(jsonDumps({ n: 5 }, { floatKeys: new Set(['state_time']) })).toBe('{"n": 5}');
  });
});

describe('floatRepr', () => {
  it('switches to exponent form where Python does', () => {
    expect(floatRepr(5)).toBe('5.0');
    expect(floatRepr(1e16)).toBe('1e+16');
    expect(floatRepr(0.00001)).toBe('1e-05');
    expect(floatRepr(1e-7)).toBe('1e-07');
    expect(floatRepr(1484160012.35)).toBe('1484160012.35');
    expect(floatRepr(Number.NaN)).toBe('NaN');
    expect(floatRepr(-Infinity)).toBe('-Infinity');
  });
});
