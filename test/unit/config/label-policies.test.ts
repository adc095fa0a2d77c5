/**
 * The label keys beyond 0.4.0 (`min-ready-schedule`, `max-ready-age`,
 * `refresh-on-new-image`): compiled values, each bad input as a located config-validate
 * error, and the effective min-ready rule (first matching period, time zones, DST).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, effectiveMinReady, validateConfig } from '../../../src/config/index.js';
import type { CompiledLabel } from '../../../src/config/index.js';
import { compileYaml } from '../../support/memory/memory-launcher.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function yaml(labelExtra: string): string {
  return [
    'labels:',
    '  - name: small',
    '    image: img',
    '    min-ready: 1',
    '    providers:',
    '      - name: p',
    ...labelExtra.split('\n').filter((l) => l !== ''),
    'providers:',
    '  - name: p',
    '    auth-url: fake',
    '    max-servers: 4',
    '    images:',
    '      - name: img',
    '        min-ram: 1024',
    '',
  ].join('\n');
}

async function problems(labelExtra: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'np-policies-'));
  dirs.push(dir);
  const path = join(dir, 'nodepool.yaml');
  writeFileSync(path, yaml(labelExtra));
  const err = await validateConfig(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems.map((p) => `${p.path.join('.')}@${p.line}: ${p.message}`);
}

const SCHEDULE = `    min-ready-schedule:
      timezone: Europe/Berlin
      periods:
        - cron: '* 8-17 * * 1-5'
          min-ready: 10
        - cron: '* * * * 0,6'
          min-ready: 0
    max-ready-age: 3600
    refresh-on-new-image: true`;

describe('label policy keys', () => {
  it('compiles them, and leaves a 0.4.0 label without any', async () => {
    const c = await compileYaml(yaml(SCHEDULE));
    expect(c.labels[0]).toMatchObject({
      minReady: 1,
      minReadySchedule: {
        timezone: 'Europe/Berlin',
        periods: [
          { cron: '* 8-17 * * 1-5', minReady: 10 },
          { cron: '* * * * 0,6', minReady: 0 },
        ],
      },
      maxReadyAgeMs: 3_600_000,
      refreshOnNewImage: true,
    });
    const plain = await compileYaml(yaml(''));
    expect(Object.keys(plain.labels[0]!).sort()).toEqual([
      'image',
      'minReady',
      'name',
      'providers',
      'subnodes',
    ]);
  });

  it('defaults the time zone to UTC', async () => {
    const c = await compileYaml(
      yaml(
        "    min-ready-schedule:\n      periods:\n        - cron: '* * * * *'\n          min-ready: 3",
      ),
    );
    expect(c.labels[0]!.minReadySchedule?.timezone).toBe('UTC');
  });

  it('reports a bad cron, an unknown time zone and out-of-range counts with their lines', async () => {
    const found = await problems(`    max-ready-age: 0
    min-ready-schedule:
      timezone: Mars/Olympus
      periods:
        - cron: '* 25 * * *'
          min-ready: 2
        - cron: '* * * *'
          min-ready: -1
        - cron: 'every day'
          min-ready: 1`);
    expect(found).toEqual([
      'labels.0.max-ready-age@7: must be at least 1, got 0',
      'labels.0.min-ready-schedule.timezone@9: unknown time zone "Mars/Olympus"; expected an IANA name such as "UTC" or "Europe/Berlin"',
      'labels.0.min-ready-schedule.periods.0.cron@11: not a valid cron schedule "* 25 * * *": Constraint error, got value 25 expected range 0-23',
      'labels.0.min-ready-schedule.periods.1.cron@13: not a valid cron schedule "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4',
      'labels.0.min-ready-schedule.periods.1.min-ready@14: must be at least 0, got -1',
      'labels.0.min-ready-schedule.periods.2.cron@15: not a valid cron schedule "every day": expected 5 fields (minute hour day-of-month month day-of-week), got 2',
    ]);
  });

  it('reports a schedule without periods, and a non-boolean refresh flag', async () => {
    const found = await problems(
      '    refresh-on-new-image: yes-please\n    min-ready-schedule:\n      timezone: UTC',
    );
    expect(found).toEqual([
      'labels.0.refresh-on-new-image@7: expected a boolean (true or false), got "yes-please"',
      'labels.0.min-ready-schedule@9: missing required key "periods"',
    ]);
  });
});

function label(timezone: string, periods: [string, number][]): CompiledLabel {
  return {
    name: 'l',
    image: 'i',
    minReady: 1,
    subnodes: 0,
    providers: [],
    minReadySchedule: {
      timezone,
      periods: periods.map(([cron, minReady]) => ({ cron, minReady })),
    },
  };
}

const at = (iso: string): number => Date.parse(iso);

describe('effectiveMinReady', () => {
  it("is the label's own min-ready without a schedule or outside every period", () => {
    const plain = { minReady: 2 };
    expect(effectiveMinReady(plain, at('2026-12-07T09:00:00Z'))).toEqual({
      minReady: 2,
      period: null,
    });
    const l = label('UTC', [['* 8-17 * * *', 5]]);
    expect(effectiveMinReady(l, at('2026-12-07T18:00:00Z'))).toMatchObject({
      minReady: 1,
      period: null,
    });
    expect(effectiveMinReady(l, at('2026-12-07T17:59:59Z'))).toMatchObject({
      minReady: 5,
      period: 0,
    });
  });

  it('takes the first matching period when periods overlap', () => {
    const busyFirst = label('UTC', [
      ['* 8-17 * * *', 5],
      ['* 9 * * *', 2],
    ]);
    const lunchFirst = label('UTC', [
      ['* 9 * * *', 2],
      ['* 8-17 * * *', 5],
    ]);
    const t = at('2026-12-07T09:30:00Z');
    expect(effectiveMinReady(busyFirst, t)).toMatchObject({ minReady: 5, period: 0 });
    expect(effectiveMinReady(lunchFirst, t)).toMatchObject({
      minReady: 2,
      period: 0,
      cron: '* 9 * * *',
    });
    expect(effectiveMinReady(lunchFirst, at('2026-12-07T10:00:00Z'))).toMatchObject({
      minReady: 5,
      period: 1,
    });
  });

  it('reads the cron in the time zone, across daylight saving time', () => {
    const berlin = label('Europe/Berlin', [['* 8-17 * * 1-5', 10]]);
    const utc = label('UTC', [['* 8-17 * * 1-5', 10]]);
    // Monday 7 December 2026, winter (UTC+1): 07:30 UTC is 08:30 in Berlin.
    expect(effectiveMinReady(berlin, at('2026-12-07T07:30:00Z')).minReady).toBe(10);
    expect(effectiveMinReady(utc, at('2026-12-07T07:30:00Z')).minReady).toBe(1);
    // 17:30 UTC is 18:30 in Berlin: over there, but not in UTC.
    expect(effectiveMinReady(berlin, at('2026-12-07T17:30:00Z')).minReady).toBe(1);
    expect(effectiveMinReady(utc, at('2026-12-07T17:30:00Z')).minReady).toBe(10);
    // Monday 6 July 2026, summer (UTC+2): 06:30 UTC is 08:30 in Berlin, 16:30 UTC is 18:30.
    expect(effectiveMinReady(berlin, at('2026-07-06T06:30:00Z')).minReady).toBe(10);
    expect(effectiveMinReady(berlin, at('2026-07-06T05:59:00Z')).minReady).toBe(1);
    expect(effectiveMinReady(berlin, at('2026-07-06T16:30:00Z')).minReady).toBe(1);
    // The spring-forward night (Sunday 29 March 2026): 01:00 UTC is 03:00 CEST.
    const night = label('Europe/Berlin', [['* 3 * * *', 4]]);
    expect(effectiveMinReady(night, at('2026-03-29T00:59:00Z')).minReady).toBe(1); // 01:59 CET
    expect(effectiveMinReady(night, at('2026-03-29T01:00:00Z')).minReady).toBe(4); // 03:00 CEST
  });

  it('counts weekdays as crontab does: Sunday is 0, Saturday 6', () => {
    const weekend = label('UTC', [['* * * * 0,6', 0]]);
    expect(effectiveMinReady(weekend, at('2026-12-06T12:00:00Z')).minReady).toBe(0); // Sunday
    expect(effectiveMinReady(weekend, at('2026-12-05T12:00:00Z')).minReady).toBe(0); // Saturday
    expect(effectiveMinReady(weekend, at('2026-12-07T12:00:00Z')).minReady).toBe(1); // Monday
  });
});
