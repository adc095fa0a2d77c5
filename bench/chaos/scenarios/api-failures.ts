/**
 * 30 % of nodepoold's cloud API calls fail: a 503 before the cloud sees the call, a 500
 * after the cloud did the work, or no answer until the client's 2 s timeout (before or
 * after the cloud acted). nodepoold must still fill both labels, replace nodes marked for
 * deletion, and — with the failures still on — settle with no leaked server or floating IP
 * and nothing stuck.
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
const FAILURE_RATE = 0.3;

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  // Rounds of churn: nodes marked for deletion every 2 s, all under failures.
  const rounds = options.rounds ?? 15;
  const zk = await ZooKeeperServer.start();
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let world: LauncherWorld | null = null;
  try {
    world = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels: LABELS,
      maxServers: 12,
      knobs: { buildDelayMs: 500, deleteDelayMs: 300 },
      faults: true,
      apiTimeoutS: 2,
      rng,
    });
    const w = world;
    const proxy = w.proxy!;
    proxy.failureRate = FAILURE_RATE;
    w.nodepoold.start();
    const failures: string[] = [];
    const filled = await settle(() => w.account(), 90_000, 500);
    if (filled.accounting.problems.length > 0)
      failures.push(
        `Did not reach min-ready under ${FAILURE_RATE * 100} % failures within 90 s: ${filled.accounting.problems.join('; ')}`,
      );
    progress(options, 'api-failures', `filled in ${filled.ms} ms; ${JSON.stringify(proxy.counts)}`);
    let churned = 0;
    for (let round = 1; round <= rounds; round++) {
      churned += await w.churn(rng.int(1, 2));
      await delay(2000);
    }
    const settled = await settle(() => w.account(), options.settleMs ?? 120_000, 500);
    const counts = { ...proxy.counts };
    const exit = await w.nodepoold.stop();
    if (exit !== 'code 0') failures.push(`nodepoold did not stop cleanly on SIGINT: ${exit}`);
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'API calls': counts.calls,
        'failed %': Math.round((proxy.injected / Math.max(1, counts.calls)) * 1000) / 10,
        '5xx before/after': `${counts['5xx-before']}/${counts['5xx-after']}`,
        'timeouts before/after': `${counts['hang-before']}/${counts['hang-after']}`,
        'nodes marked for deletion': churned,
        'fill s': Math.round(filled.ms / 100) / 10,
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
export const apiFailures: Scenario = {
  name: 'api-failures',
  description:
    '30 % of cloud API calls fail (5xx or timeout, before or after the cloud acted) while filling and replacing nodes',
  defaultRounds: 15,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
