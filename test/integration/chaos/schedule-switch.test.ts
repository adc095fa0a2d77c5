/**
 * Short chaos run (the full one is `npm run chaos`, bench/chaos/): a min-ready-schedule
 * switching between 5 and 1 every minute; each minute filled or trimmed, used and held
 * nodes kept, then settled with nothing leaked. Real child processes, the real clock.
 */
import { describe, expect, it } from 'vitest';
import { scheduleSwitch } from '../../../bench/chaos/scenarios/schedule-switch.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await scheduleSwitch.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos schedule-switch: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: schedule-switch', () => {
  it('fills and trims at each minute, keeps used and held nodes, settles with nothing leaked', async () => {
    const result = await scheduleSwitch.run({ seed: 20261207, rounds: 2, settleMs: 60_000 });
    expect(result.ok, describeResult('schedule-switch', result)).toBe(true);
  }, 240_000);
});
