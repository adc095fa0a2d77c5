/**
 * Short chaos run (the full one is `npm run chaos -- quota-flap`, bench/chaos/): the instance
 * quota flaps between almost full and plenty while nodes are replaced; quota episodes start
 * and end, and the pool settles with nothing leaked. Real child processes, a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { quotaFlap } from '../../../bench/chaos/scenarios/quota-flap.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await quotaFlap.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos quota-flap: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: quota-flap', () => {
  it('the instance quota flaps; episodes start and end, settle with nothing leaked', async () => {
    const result = await quotaFlap.run({ seed: 20261121, rounds: 4, settleMs: 60_000 });
    expect(result.ok, describeResult('quota-flap', result)).toBe(true);
    expect(result.faults['quota episodes']).toBeGreaterThan(0);
  }, 170_000);
});
