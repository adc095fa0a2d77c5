import { describe, expect, it } from 'vitest';
import { formatAge, formatTable } from '../../../src/cmd/nodepool/format.js';

describe('formatTable', () => {
  it('prints the header frame when the table is empty', () => {
    expect(formatTable(['Provider', 'Hostname', 'Server ID', 'IP'], [])).toBe(
      [
        '+----------+----------+-----------+----+',
        '| Provider | Hostname | Server ID | IP |',
        '+----------+----------+-----------+----+',
        '+----------+----------+-----------+----+',
      ].join('\n'),
    );
  });

  it('left-aligns every cell and prints None for nulls', () => {
    expect(
      formatTable(
        ['ID', 'Name', 'Hold on Failure'],
        [
          [1, 'job-a', null],
          [12, 'b', 3],
        ],
      ),
    ).toBe(
      [
        '+----+-------+-----------------+',
        '| ID | Name  | Hold on Failure |',
        '+----+-------+-----------------+',
        '| 1  | job-a | None            |',
        '| 12 | b     | 3               |',
        '+----+-------+-----------------+',
      ].join('\n'),
    );
  });

  it('widens a column to its longest cell in any row, prints booleans as Python, and missing cells as None', () => {
    expect(formatTable(['A', 'B'], [['x', true], ['a much longer cell', false], [undefined]])).toBe(
      [
        '+--------------------+-------+',
        '| A                  | B     |',
        '+--------------------+-------+',
        '| x                  | True  |',
        '| a much longer cell | False |',
        '| None               | None  |',
        '+--------------------+-------+',
      ].join('\n'),
    );
  });
});

describe('formatAge', () => {
  it('prints days, hours, minutes and seconds zero-padded', () => {
    const now = 1_000_000_000_000;
    const t = now / 1000 - (1 * 86400 + 2 * 3600 + 0 * 60 + 41);
    expect(formatAge(t, now)).toBe('01:02:00:41');
  });

  it('lets days grow past two digits', () => {
    const now = 2_000_000_000_000;
    expect(formatAge(now / 1000 - (123 * 86400 + 4 * 3600 + 5 * 60 + 6), now)).toBe('123:04:05:06');
  });

  it('clamps a time in the future to zero', () => {
    expect(formatAge(Date.now() / 1000 + 100)).toBe('00:00:00:00');
  });
});
