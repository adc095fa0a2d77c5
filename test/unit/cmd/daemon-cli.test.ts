import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseCount, resolveFrom } from '../../../src/cmd/daemon-cli.js';

describe('parseCount', () => {
  it('accepts integers as argparse type=int does', () => {
    expect(parseCount('4')).toBe(4);
    expect(parseCount(' 2 ')).toBe(2);
    expect(parseCount('0')).toBe(0);
  });

  it('rejects non-integers and negative counts', () => {
    expect(() => parseCount('1.5')).toThrow(
      new InvalidArgumentError('expected an integer: current value is "1.5"'),
    );
    expect(() => parseCount('two')).toThrow(InvalidArgumentError);
    expect(() => parseCount('-1')).toThrow(
      'expected a number of workers (0 or more): current value is "-1"',
    );
  });
});

describe('resolveFrom', () => {
  it('resolves relative paths against the given directory and keeps absolute ones', () => {
    expect(resolveFrom('/home/op', 'etc/nodepool.yaml')).toBe('/home/op/etc/nodepool.yaml');
    expect(resolveFrom('/home/op', '/etc/nodepool/nodepool.yaml')).toBe(
      '/etc/nodepool/nodepool.yaml',
    );
    expect(resolveFrom('/home/op', undefined)).toBeUndefined();
  });
});
