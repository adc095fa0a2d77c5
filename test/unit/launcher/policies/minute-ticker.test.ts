/** The pool's minute ticker on a ManualClock: one wake per minute boundary while a schedule exists. */
import { describe, expect, it } from 'vitest';
import { runMinuteTicker } from '../../../../src/launcher/policies/index.js';
import { ManualClock } from '../../../support/memory/manual-clock.js';

describe('runMinuteTicker', () => {
  it('wakes the pass just after each minute boundary, only while a schedule is configured', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T08:00:30Z'));
    const stop = new AbortController();
    const wakes: string[] = [];
    let hasSchedule = true;
    const done = runMinuteTicker({
      clock,
      hasSchedule: () => hasSchedule,
      wake: () => wakes.push(new Date(clock.now()).toISOString()),
      signal: stop.signal,
    });
    await clock.advance(29_000);
    expect(wakes).toEqual([]);
    await clock.advance(2_000);
    expect(wakes).toEqual(['2026-12-07T08:01:00.005Z']);
    await clock.advance(120_000);
    expect(wakes).toHaveLength(3);
    hasSchedule = false;
    await clock.advance(180_000);
    expect(wakes).toHaveLength(3);
    stop.abort();
    await done;
    expect(clock.pending).toBe(0);
  });
});
