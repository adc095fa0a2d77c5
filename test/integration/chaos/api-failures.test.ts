/**
 * Short chaos run (the full one is `npm run chaos`, bench/chaos/): 30 % of cloud API calls fail (5xx or timeout); fill, replace, settle with nothing leaked.
 * Real child processes, the fake cloud in its own process, a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { apiFailures } from '../../../bench/chaos/scenarios/api-failures.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await apiFailures.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos api-failures: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: api-failures', () => {
  it('30 % of cloud API calls fail (5xx or timeout); fill, replace, settle with nothing leaked', async () => {
    const result = await apiFailures.run({ seed: 20261121, rounds: 2, settleMs: 60_000 });
    expect(result.ok, describeResult('api-failures', result)).toBe(true);
  }, 170_000);
});
