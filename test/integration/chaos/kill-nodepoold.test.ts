/**
 * Short chaos run (the full one is `npm run chaos`, bench/chaos/): kill -9 of nodepoold, 3 rounds, then the accounting.
 * Real child processes, the fake cloud in its own process, a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { killNodepoold } from '../../../bench/chaos/scenarios/kill-nodepoold.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await killNodepoold.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos kill-nodepoold: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: kill-nodepoold', () => {
  it('kill -9 of nodepoold, 3 rounds, then the accounting', async () => {
    const result = await killNodepoold.run({ seed: 20261121, rounds: 3, settleMs: 60_000 });
    expect(result.ok, describeResult('kill-nodepoold', result)).toBe(true);
  }, 170_000);
});
