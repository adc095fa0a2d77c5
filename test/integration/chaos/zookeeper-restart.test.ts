/**
 * Short chaos run (the full one is `npm run chaos`, bench/chaos/): one ZooKeeper restart under load (nodepoold and nodepool-builder).
 * Real child processes, the fake cloud in its own process, a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { zookeeperRestart } from '../../../bench/chaos/scenarios/zookeeper-restart.js';
import { describeResult } from '../../../bench/chaos/lib/scenario.js';

const reason = await zookeeperRestart.unavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED chaos zookeeper-restart: ${reason}\n`);

describe.skipIf(reason !== null)('chaos: zookeeper-restart', () => {
  it('one ZooKeeper restart under load (nodepoold and nodepool-builder)', async () => {
    const result = await zookeeperRestart.run({ seed: 20261121, rounds: 1, settleMs: 60_000 });
    expect(result.ok, describeResult('zookeeper-restart', result)).toBe(true);
  }, 170_000);
});
