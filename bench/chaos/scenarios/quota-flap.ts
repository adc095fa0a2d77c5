/**
 * The cloud's instance quota flaps between "almost full" and plenty every few seconds while
 * nodes are marked for deletion: nodepoold's quota failover starts and ends episodes (creates
 * refused by its own limit check or by the cloud's 403), and once the quota stays up it must
 * settle at min-ready with no leaked server or floating IP and nothing stuck.
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
const HIGH = 1000;

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 10;
  const zk = await ZooKeeperServer.start();
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let world: LauncherWorld | null = null;
  try {
    world = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels: LABELS,
      maxServers: 12,
      knobs: { buildDelayMs: 300, deleteDelayMs: 300, quota: { instances: 2 } },
      rng,
    });
    const w = world;
    w.nodepoold.start();
    const failures: string[] = [];
    let churned = 0;
    let lowRounds = 0;
    for (let round = 1; round <= rounds; round++) {
      const isLow = rng.int(0, 1) === 0;
      if (isLow) lowRounds++;
      await w.cloud.setKnobs({ quota: { instances: isLow ? rng.int(1, 5) : HIGH } });
      churned += await w.churn(rng.int(1, 2));
      await delay(3000);
    }
    await w.cloud.setKnobs({ quota: { instances: HIGH } });
    progress(options, 'quota-flap', `quota up for good after ${rounds} rounds`);
    // Quota episodes end at the next read of the limits (one loop interval, 10 s).
    const settled = await settle(() => w.account(), options.settleMs ?? 120_000, 500);
    const episodes = (): { started: number; ended: number } => {
      const out = w.nodepoold.output();
      return {
        started: (out.match(/is over quota/g) ?? []).length,
        ended: (out.match(/is no longer over quota/g) ?? []).length,
      };
    };
    // The last episode ends at the next read of the limits (within one 10 s loop interval).
    for (let i = 0; i < 60 && episodes().started !== episodes().ended; i++) await delay(500);
    const { started, ended } = episodes();
    if (started !== ended)
      failures.push(`${started} quota episodes started but ${ended} ended once the quota was up`);
    const exit = await w.nodepoold.stop();
    if (exit !== 'code 0') failures.push(`nodepoold did not stop cleanly on SIGINT: ${exit}`);
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'quota rounds low/all': `${lowRounds}/${rounds}`,
        'quota episodes': started,
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
export const quotaFlap: Scenario = {
  name: 'quota-flap',
  description:
    'the instance quota flaps between almost full and plenty while nodes are replaced: quota episodes start and end, nothing leaks',
  defaultRounds: 10,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
