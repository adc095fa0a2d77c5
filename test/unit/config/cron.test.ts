import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import {
  compileCron,
  convertDayOfWeek,
  cronProblem,
  defaultCronSpecs,
  toParserSpec,
} from '../../../src/config/cron.js';

function nextRuns(spec: string, from: string, n: number): string[] {
  const expr = CronExpressionParser.parse(compileCron(spec).parserSpec, {
    currentDate: new Date(from),
    tz: 'UTC',
  });
  return Array.from({ length: n }, () => String(expr.next().toISOString()));
}

describe('toParserSpec', () => {
  it('puts second 0 first for a five-field spec', () => {
    expect(toParserSpec('*/15 * * * *')).toBe('0 */15 * * * *');
  });

  it('moves the sixth field (seconds, last upstream) to the front', () => {
    expect(toParserSpec('* * * * * *')).toBe('* * * * * *');
    expect(toParserSpec('5 4 * * * 30')).toBe('30 5 4 * * *');
  });

  it('rejects fewer than 5 or more than 6 fields', () => {
    expect(() => toParserSpec('* * * *')).toThrow(/expected 5 fields .* got 4/);
    expect(() => toParserSpec('* * * * * * *')).toThrow(/got 7/);
  });
});

describe('convertDayOfWeek', () => {
  it('renumbers APScheduler weekdays (Monday = 0) to cron (Sunday = 0 or 7)', () => {
    expect(convertDayOfWeek('0')).toBe('1');
    expect(convertDayOfWeek('6')).toBe('7');
    expect(convertDayOfWeek('0-4')).toBe('1,2,3,4,5');
    expect(convertDayOfWeek('mon-fri')).toBe('1,2,3,4,5');
    expect(convertDayOfWeek('sat,sun')).toBe('6,7');
  });

  it('expands steps from Monday, as APScheduler does', () => {
    expect(convertDayOfWeek('*/2')).toBe('1,3,5,7');
  });

  it('keeps a wildcard', () => {
    expect(convertDayOfWeek('*')).toBe('*');
    expect(convertDayOfWeek('0-6')).toBe('*');
  });

  it('rejects days outside 0-6', () => {
    expect(() => convertDayOfWeek('7')).toThrow(/not 0-6/);
  });
});

describe('compileCron', () => {
  it('keeps both forms', () => {
    expect(compileCron('27 */6 * * *')).toEqual({
      spec: '27 */6 * * *',
      parserSpec: '0 27 */6 * * *',
    });
  });

  it('runs every second for the six-field spec of leaked_node.yaml', () => {
    expect(nextRuns('* * * * * *', '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-01T00:00:01.000Z',
      '2024-01-01T00:00:02.000Z',
    ]);
  });

  it('runs on Mondays for upstream day-of-week 0', () => {
    // 2024-01-02 is a Tuesday; the next Monday is 2024-01-08.
    expect(nextRuns('0 12 * * 0', '2024-01-02T00:00:00Z', 1)).toEqual(['2024-01-08T12:00:00.000Z']);
  });

  it('throws RangeError naming the spec when a field is out of range', () => {
    expect(() => compileCron('61 * * * *')).toThrow(RangeError);
    expect(cronProblem('61 * * * *')).toMatch(/^not a valid cron schedule "61 \* \* \* \*": .*61/);
  });

  it('accepts the defaults and the 0.3-era update-image default', () => {
    for (const spec of ['* * * * *', '*/15 * * * *', '14 2 * * *'])
      expect(cronProblem(spec)).toBeUndefined();
  });
});

describe('the default schedules', () => {
  // cronProblem() takes the defaults as valid without parsing them, so the CLI need not
  // load cron-parser for a config that keeps them: this is the check it skips.
  it('are the schema defaults, and cron-parser accepts every one', () => {
    expect(defaultCronSpecs()).toEqual(['* * * * *', '*/15 * * * *', '14 2 * * *']);
    for (const spec of defaultCronSpecs()) {
      expect(() => CronExpressionParser.parse(toParserSpec(spec), { tz: 'UTC' })).not.toThrow();
      expect(cronProblem(spec)).toBeUndefined();
    }
  });

  it('a bad schedule is reported the same way every time it is checked', () => {
    const first = cronProblem('61 * * * *');
    expect(first).toMatch(/not a valid cron schedule "61 \* \* \* \*"/);
    expect(cronProblem('61 * * * *')).toBe(first);
  });
});
