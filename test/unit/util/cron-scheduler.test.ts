/**
 * CronScheduler on a manual clock: when each job runs, that a job still running skips its
 * next run, how `set()` keeps, reschedules and removes jobs, and that `stop()` aborts and
 * waits for running jobs.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CronScheduler } from '../../../src/util/index.js';
import type { CronJob } from '../../../src/util/index.js';
import { ManualClock } from '../../support/memory/manual-clock.js';

const EVERY_MINUTE = '0 * * * * *';
const EVERY_5_MINUTES = '0 */5 * * * *';
/** 2026-01-01 00:00:30 local time: 30 s before a minute starts. */
const START = new Date(2026, 0, 1, 0, 0, 30).getTime();

let scheduler: CronScheduler | null = null;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = null;
});

function setUp(): { clock: ManualClock; s: CronScheduler; errors: string[] } {
  const clock = new ManualClock(START);
  const errors: string[] = [];
  const log = pino(
    { level: 'error' },
    { write: (line: string) => errors.push(JSON.parse(line).msg) },
  );
  const s = new CronScheduler(log, { clock });
  scheduler = s;
  return { clock, s, errors };
}

/** A job that records the clock time of each run. */
function recorder(name: string, parserSpec: string, clock: ManualClock, runs: number[]): CronJob {
  return {
    name,
    parserSpec,
    run: () => {
      runs.push(clock.now() - START);
      return Promise.resolve();
    },
  };
}

describe('CronScheduler', () => {
  it('runs a job at each due time and not before', async () => {
    const { clock, s } = setUp();
    const runs: number[] = [];
    s.set([recorder('cleanup', EVERY_MINUTE, clock, runs)]);
    await clock.advance(29_999);
    expect(runs).toEqual([]);
    await clock.advance(1);
    expect(runs).toEqual([30_000]);
    await clock.advance(120_000);
    expect(runs).toEqual([30_000, 90_000, 150_000]);
  });

  it('skips a run while the previous run of the same job is still going', async () => {
    const { clock, s } = setUp();
    let release: () => void = () => {};
    let started = 0;
    s.set([
      {
        name: 'check',
        parserSpec: EVERY_MINUTE,
        run: () => {
          started += 1;
          return new Promise<void>((resolve) => (release = resolve));
        },
      },
    ]);
    await clock.advance(30_000 + 3 * 60_000);
    expect(started).toBe(1);
    expect(s.running).toEqual(['check']);
    // Asking for a run now joins the running one.
    let joined = false;
    const now = s.runNow('check').then(() => (joined = true));
    await clock.advance(0);
    expect(started).toBe(1);
    expect(joined).toBe(false);
    release();
    await now;
    await clock.advance(60_000);
    expect(started).toBe(2);
    release();
  });

  it('keeps the schedule of a job whose spec is unchanged, reschedules a changed one, and drops a removed one', async () => {
    const { clock, s } = setUp();
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    s.set([
      recorder('a', EVERY_MINUTE, clock, []),
      recorder('b', EVERY_MINUTE, clock, b),
      recorder('c', EVERY_MINUTE, clock, c),
    ]);
    await clock.advance(30_000);
    // `a` gets a new run function but the same spec; `b` changes spec; `c` goes.
    s.set([recorder('a', EVERY_MINUTE, clock, a), recorder('b', EVERY_5_MINUTES, clock, b)]);
    await clock.advance(5 * 60_000);
    expect(a).toEqual([90_000, 150_000, 210_000, 270_000, 330_000]);
    expect(b).toEqual([30_000, 270_000]);
    expect(c).toEqual([30_000]);
  });

  it('runs a job now on request unless it is running, and resolves when that run ends', async () => {
    const { clock, s } = setUp();
    const runs: number[] = [];
    s.set([recorder('cleanup', EVERY_5_MINUTES, clock, runs)]);
    await s.runNow('cleanup');
    expect(runs).toEqual([0]);
    await s.runNow('no-such-job');
    expect(runs).toEqual([0]);
  });

  it('logs a failed run and keeps the schedule', async () => {
    const { clock, s, errors } = setUp();
    let runs = 0;
    s.set([
      {
        name: 'cleanup',
        parserSpec: EVERY_MINUTE,
        run: () => {
          runs += 1;
          return Promise.reject(new Error('database down'));
        },
      },
    ]);
    await clock.advance(90_000);
    expect(runs).toBe(2);
    expect(errors).toEqual(['Cron cleanup failed', 'Cron cleanup failed']);
  });

  it('aborts running jobs on stop, waits for them, and runs nothing afterwards', async () => {
    const { clock, s } = setUp();
    let seen: AbortSignal | null = null;
    let runs = 0;
    let finished = false;
    s.set([
      {
        name: 'check',
        parserSpec: EVERY_MINUTE,
        run: (signal) => {
          runs += 1;
          seen = signal;
          return new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              finished = true;
              resolve();
            }),
          );
        },
      },
    ]);
    await clock.advance(30_000);
    await s.stop();
    expect(seen!.aborted).toBe(true);
    expect(finished).toBe(true);
    await clock.advance(10 * 60_000);
    expect(runs).toBe(1);
    expect(clock.pending).toBe(0);
  });
});
