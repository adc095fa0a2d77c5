/**
 * Short chaos run (the full one is `npm run chaos schedule-quota`, bench/chaos/): a label's
 * min-ready-schedule switched up and down while one of its two providers is over quota,
 * 2 rounds, then the accounting over both clouds (nothing leaked, used and held nodes kept).
 * Real child processes, the fake clouds in their own processes, a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { scheduleQuota } from '../../../bench/chaos/scenarios/schedule-quota.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await scheduleQuota.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos schedule-quota: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: schedule-quota', () => {
  it('schedule up and down with one provider over quota, 2 rounds, then the accounting', async () => {
    const result = await scheduleQuota.run({ seed: 20261207, rounds: 2, settleMs: 60_000 });
    expect(result.ok, describeResult('schedule-quota', result)).toBe(true);
  }, 240_000);
});
