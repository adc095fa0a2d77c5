import { describe, expect, it } from 'vitest';
import { YamlSyntaxError, parseYaml11, resolvePlainScalar } from '../../../src/config/yaml11.js';
import type { RawMap, RawNode, RawScalar } from '../../../src/config/yaml11.js';

function scalar(text: string): RawScalar {
  const root = parseYaml11(`v: ${text}\n`) as RawMap;
  return root.entries[0]!.value as RawScalar;
}

describe('resolvePlainScalar', () => {
  it.each([
    ['yes', 'bool', true],
    ['Yes', 'bool', true],
    ['NO', 'bool', false],
    ['on', 'bool', true],
    ['off', 'bool', false],
    ['True', 'bool', true],
    ['false', 'bool', false],
    ['y', 'str', 'y'],
    ['n', 'str', 'n'],
    ['Y', 'str', 'Y'],
    ['1', 'int', 1],
    ['-17', 'int', -17],
    ['0755', 'int', 493],
    ['0x1F', 'int', 31],
    ['0b101', 'int', 5],
    ['1:30', 'int', 90],
    ['1_000', 'int', 1000],
    ['0o17', 'str', '0o17'],
    ['1.0', 'float', 1],
    ['0.0001', 'float', 0.0001],
    ['1.', 'float', 1],
    ['.5', 'float', 0.5],
    ['1.0e+5', 'float', 100000],
    ['1e-4', 'str', '1e-4'],
    ['1.0e5', 'str', '1.0e5'],
    ['1:30.5', 'float', 90.5],
    ['~', 'null', null],
    ['null', 'null', null],
    ['', 'null', null],
    ['2001-12-14', 'timestamp', '2001-12-14'],
    ['fake', 'str', 'fake'],
  ])('reads %j as PyYAML does (%s)', (text, kind, value) => {
    expect(resolvePlainScalar(text)).toEqual({ kind, value });
  });

  it('reads infinity and NaN as floats', () => {
    expect(resolvePlainScalar('-.inf')).toEqual({ kind: 'float', value: -Infinity });
    expect(resolvePlainScalar('.NaN').kind).toBe('float');
  });
});

describe('parseYaml11', () => {
  it('keeps int and float apart by token', () => {
    expect(scalar('1')).toMatchObject({ kind: 'int', value: 1 });
    expect(scalar('1.0')).toMatchObject({ kind: 'float', value: 1 });
  });

  it('treats quoted and explicitly tagged scalars as their tag says', () => {
    expect(scalar("'yes'")).toMatchObject({ kind: 'str', value: 'yes' });
    expect(scalar('"1"')).toMatchObject({ kind: 'str', value: '1' });
    expect(scalar('!!str 5')).toMatchObject({ kind: 'str', value: '5' });
    expect(scalar('!!float 1')).toMatchObject({ kind: 'float', value: 1 });
  });

  it('gives 1-based positions of values and keys', () => {
    const root = parseYaml11('a:\n  b:   ten\n') as RawMap;
    const inner = root.entries[0]!.value as RawMap;
    expect(inner.entries[0]!.keyPos).toEqual({ line: 2, column: 3 });
    expect(inner.entries[0]!.value.pos).toEqual({ line: 2, column: 8 });
  });

  it('keeps the last of duplicate keys, as PyYAML', () => {
    const root = parseYaml11('a: 1\na: 2\n') as RawMap;
    expect(root.entries).toHaveLength(1);
    expect((root.entries[0]!.value as RawScalar).value).toBe(2);
  });

  it('resolves anchors, aliases and merge keys with explicit keys winning', () => {
    const root = parseYaml11('base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n') as RawMap;
    const use = root.entries[1]!.value as RawMap;
    const plain = Object.fromEntries(use.entries.map((e) => [e.key, (e.value as RawScalar).value]));
    expect(plain).toEqual({ x: 1, y: 3 });
  });

  it('returns null for an empty or comment-only document', () => {
    expect(parseYaml11('')).toBeNull();
    expect(parseYaml11('# nothing here\n')).toBeNull();
  });

  it('reads boolean keys as PyYAML does', () => {
    const root = parseYaml11('yes: 1\n') as RawMap;
    expect(root.entries[0]).toMatchObject({ key: 'true', keyKind: 'bool' });
  });

  it('reports a syntax error at the offending line, not at a comment before it', () => {
    const text = 'a:\n  - b\n# comment\n c: d\n  e: f\n';
    let caught: unknown;
    try {
      parseYaml11(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(YamlSyntaxError);
    expect((caught as YamlSyntaxError).pos.line).toBeGreaterThanOrEqual(4);
  });

  it('rejects a stream with several documents', () => {
    expect(() => parseYaml11('a: 1\n---\nb: 2\n')).toThrow(YamlSyntaxError);
  });

  it('returns sequences with their items', () => {
    const root = parseYaml11('- 1\n- two\n') as RawNode;
    expect(root.type).toBe('seq');
  });
});
