/**
 * The pool policies beyond 0.4.0 under churn: a label on two providers whose
 * `min-ready-schedule` is rewritten up and down every round (config reloads), while the
 * `full` provider's instance quota is kept too small for the high value and changed at
 * random, so its share fails over to `spare`. Between the two, a random ready node is taken
 * (`used`) or held (`hold`). Each round the high value must be met (through failover) and
 * the low one trimmed to; in the end cloud servers == node rows over both clouds, nothing
 * left building or deleting, ready nodes at the schedule's value, and every used or held
 * node still there in its state.
 */
import { delay } from '../../../src/util/index.js';
import { stateName } from '../../../src/db/index.js';
import { createTestDatabase } from '../../../test/support/sql-db.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { FULL, POLICY_LABEL, PolicyWorld, SPARE } from '../lib/policy-world.js';
import { createRng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle } from '../lib/settle.js';

const NAME = 'schedule-quota';
/** How long one schedule switch may take to be met (fill through failover, or trim). */
const SWITCH_MS = 45_000;

/** Waits until `check` holds; false when `timeoutMs` ran out. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await delay(500);
  }
  return false;
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 5;
  const zk = await ZooKeeperServer.start();
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let world: PolicyWorld | null = null;
  const failures: string[] = [];
  const kept = new Map<number, string>();
  let quotaChanges = 0;
  let low = 1;
  try {
    world = await PolicyWorld.start(
      { zookeeper: zk, dburi: sql.dburi, fullQuota: 3, maxServers: 20 },
      low,
    );
    const w = world;
    w.nodepoold.start();
    const count = async (states: readonly string[]): Promise<number> =>
      (await w.nodes()).filter(
        (n) =>
          n.labelName === POLICY_LABEL && n.state !== null && states.includes(stateName(n.state)),
      ).length;
    for (let round = 1; round <= rounds; round++) {
      const high = rng.int(6, 9);
      await w.writeFiles(high);
      if (rng.chance(0.6)) {
        await w.clouds[FULL]!.setKnobs({ quota: { instances: rng.int(1, 4) } });
        quotaChanges++;
      }
      // min-ready counts ready, used and test nodes as supply.
      if (!(await until(async () => (await count(['ready', 'used', 'test'])) >= high, SWITCH_MS)))
        failures.push(`round ${round}: min-ready ${high} not met within ${SWITCH_MS / 1000} s`);
      if (rng.chance(0.6)) {
        const ready = (await w.nodes()).filter(
          (n) => n.labelName === POLICY_LABEL && n.state !== null && stateName(n.state) === 'ready',
        );
        const pick = ready[rng.int(0, Math.max(0, ready.length - 1))];
        if (pick !== undefined) {
          const state = rng.chance(0.5) ? 'used' : 'hold';
          await w.setState(pick.id, state);
          kept.set(pick.id, state);
        }
      }
      low = rng.int(0, 2);
      await w.writeFiles(low);
      if (!(await until(async () => (await count(['ready'])) <= low, SWITCH_MS)))
        failures.push(
          `round ${round}: ready nodes not trimmed to ${low} within ${SWITCH_MS / 1000} s`,
        );
      progress(
        options,
        NAME,
        `round ${round}/${rounds}: up to ${high}, down to ${low}; ${JSON.stringify((await w.account({ minReady: {} })).figures)}`,
      );
    }
    const settled = await settle(
      () =>
        w.account({ minReady: { [POLICY_LABEL]: low }, maxReady: { [POLICY_LABEL]: low }, kept }),
      options.settleMs ?? 120_000,
    );
    const episodes = (w.nodepoold.output().match(/is over quota/g) ?? []).length;
    if (episodes === 0) failures.push(`provider ${FULL} was never found over quota`);
    const [full, spare] = await Promise.all([w.clouds[FULL]!.state(), w.clouds[SPARE]!.state()]);
    const exit = await w.nodepoold.stop();
    if (exit !== 'code 0') failures.push(`nodepoold did not stop cleanly on SIGINT: ${exit}`);
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'schedule switches': rounds * 2,
        'quota changes': quotaChanges,
        'quota episodes': episodes,
        'nodes used or held': kept.size,
        [`servers on ${FULL}`]: full.servers.length,
        [`servers on ${SPARE}`]: spare.servers.length,
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
export const scheduleQuota: Scenario = {
  name: NAME,
  description:
    'min-ready-schedule switched up and down by config reloads while one provider is over quota (failover to the other), used and held nodes kept',
  defaultRounds: 5,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
