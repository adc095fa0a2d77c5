/**
 * Short chaos run (the full one is `npm run chaos`, bench/chaos/): kill -9 of nodepool-builder, 3 rounds, then the accounting.
 * Real child processes, the fake cloud in its own process, a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { killBuilder } from '../../../bench/chaos/scenarios/kill-builder.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await killBuilder.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos kill-builder: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: kill-builder', () => {
  it('kill -9 of nodepool-builder, 3 rounds, then the accounting', async () => {
    const result = await killBuilder.run({ seed: 20261121, rounds: 3, settleMs: 60_000 });
    expect(result.ok, describeResult('kill-builder', result)).toBe(true);
  }, 170_000);
});
