/**
 * `kill -9` of nodepoold at random moments while it fills two labels and replaces nodes
 * marked for deletion, restarted after each kill. The fake cloud runs in its own process and
 * survives. Then: the pool must settle with cloud servers == node rows, no floating IP
 * leaked, nothing left building or deleting, and both labels at min-ready.
 */
import { delay } from '../../../src/util/index.js';
import { createTestDatabase } from '../../../test/support/sql-db.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { LauncherWorld } from '../lib/launcher-world.js';
import { createRng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle } from '../lib/settle.js';

const LABELS = { small: 4, large: 3 };

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 20;
  const zk = await ZooKeeperServer.start();
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let world: LauncherWorld | null = null;
  try {
    world = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels: LABELS,
      maxServers: 12,
      knobs: { buildDelayMs: 1500, deleteDelayMs: 500 },
      rng,
    });
    const w = world;
    w.nodepoold.start();
    let churned = 0;
    for (let round = 1; round <= rounds; round++) {
      // The daemon needs about 1.5 s to start (tsx): kill from early start-up to mid-fill.
      await delay(rng.int(500, 4000));
      if (rng.chance(0.5)) churned += await w.churn(rng.int(1, 3));
      await delay(rng.int(0, 500));
      await w.nodepoold.kill9();
      progress(
        options,
        'kill-nodepoold',
        `round ${round}/${rounds}: killed; ${JSON.stringify((await w.account()).figures)}`,
      );
      if (rng.chance(0.3)) churned += await w.churn(1);
      w.nodepoold.start();
    }
    const settled = await settle(() => w.account(), options.settleMs ?? 120_000);
    const exit = await w.nodepoold.stop();
    const failures = exit === 'code 0' ? [] : [`nodepoold did not stop cleanly on SIGINT: ${exit}`];
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'kill -9': rounds,
        'nodes marked for deletion': churned,
        'settle s': Math.round(settled.ms / 100) / 10,
      },
      failures,
      log: w.nodepoold.tail(4000),
    };
  } finally {
    await world?.stop();
    await sql.drop();
    await zk.stop();
  }
}

/** The scenario. */
export const killNodepoold: Scenario = {
  name: 'kill-nodepoold',
  description:
    'kill -9 of nodepoold at random moments (fill, launches, deletes in flight), restart after each',
  defaultRounds: 20,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
