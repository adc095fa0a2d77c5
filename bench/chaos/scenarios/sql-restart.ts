/**
 * The database crashes and comes back under load: a private MariaDB (SIGKILL) and a private
 * PostgreSQL (immediate shutdown), each restarted on the same port and data while nodepoold
 * replaces nodes marked for deletion. nodepoold must keep running and settle with cloud
 * servers == node rows, nothing stuck, both labels at min-ready.
 */
import { delay } from '../../../src/util/index.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { mergeAccountings } from '../lib/accounting.js';
import type { Accounting } from '../lib/accounting.js';
import { LauncherWorld } from '../lib/launcher-world.js';
import { PrivateSqlServer, privateSqlUnavailableReason } from '../lib/private-sql.js';
import { createRng } from '../lib/rng.js';
import type { Rng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle } from '../lib/settle.js';

const LABELS = { small: 3, large: 2 };
const KINDS = ['mariadb', 'postgresql'] as const;

interface Outcome {
  accounting: Accounting;
  failures: string[];
  faults: Record<string, number | string>;
  log: string;
}

async function runOn(
  kind: (typeof KINDS)[number],
  zk: ZooKeeperServer,
  rng: Rng,
  rounds: number,
  options: ScenarioOptions,
): Promise<Outcome> {
  const sql = await PrivateSqlServer.start(kind);
  let world: LauncherWorld | null = null;
  try {
    world = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels: LABELS,
      maxServers: 10,
      knobs: { buildDelayMs: 800, deleteDelayMs: 300 },
      rng,
    });
    const w = world;
    w.nodepoold.start();
    const failures: string[] = [];
    const filled = await settle(() => w.account(), 60_000);
    if (filled.accounting.problems.length > 0)
      failures.push(
        `${kind}: did not fill before the restarts: ${filled.accounting.problems.join('; ')}`,
      );
    let down = 0;
    for (let round = 1; round <= rounds; round++) {
      await w.churn(rng.int(1, 2));
      await delay(rng.int(200, 1500));
      down += await sql.crashAndRestart(rng.int(0, 2000));
      progress(options, 'sql-restart', `${kind} round ${round}/${rounds}: restarted`);
      await delay(rng.int(500, 2000));
    }
    const settled = await settle(() => w.account(), options.settleMs ?? 90_000, 1000);
    if (!w.nodepoold.isRunning)
      failures.push(
        `${kind}: nodepoold exited during the restarts: ${w.nodepoold.exits.join(', ')}`,
      );
    else if (settled.accounting.problems.length > 0) {
      // Keep nodepoold's diagnostic report (launches and deletes in flight, DB pool) in the log.
      w.nodepoold.signal('SIGUSR2');
      await delay(1000);
    }
    const exit = await w.nodepoold.stop();
    if (exit !== 'code 0')
      failures.push(`${kind}: nodepoold did not stop cleanly on SIGINT: ${exit}`);
    const prefixed: Accounting = {
      figures: Object.fromEntries(
        Object.entries(settled.accounting.figures).map(([k, v]) => [`${kind} ${k}`, v]),
      ),
      problems: settled.accounting.problems.map((p) => `${kind}: ${p}`),
    };
    return {
      accounting: prefixed,
      failures,
      faults: {
        [`${kind} crashes`]: rounds,
        [`${kind} down s`]: Math.round(down / 100) / 10,
        [`${kind} settle s`]: Math.round(settled.ms / 100) / 10,
      },
      log: w.nodepoold.tail(3000),
    };
  } finally {
    await world?.stop();
    await sql.stop();
  }
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 3;
  const zk = await ZooKeeperServer.start();
  try {
    const outcomes: Outcome[] = [];
    const faults: Record<string, number | string> = {};
    for (const kind of KINDS) {
      const reason = await privateSqlUnavailableReason(kind);
      if (reason !== null) {
        faults[kind] = `SKIPPED: ${reason}`;
        continue;
      }
      const o = await runOn(kind, zk, rng, rounds, options);
      outcomes.push(o);
      Object.assign(faults, o.faults);
    }
    const accounting = mergeAccountings(...outcomes.map((o) => o.accounting));
    const failures = outcomes.flatMap((o) => o.failures);
    return {
      ok: failures.length === 0 && accounting.problems.length === 0,
      accounting,
      faults,
      failures,
      log: outcomes.map((o) => o.log).join('\n'),
    };
  } finally {
    await zk.stop();
  }
}

/** The scenario. */
export const sqlRestart: Scenario = {
  name: 'sql-restart',
  description:
    'private MariaDB and PostgreSQL crashed and restarted under load (nodepoold replacing nodes)',
  defaultRounds: 3,
  async unavailableReason() {
    const zk = zooKeeperUnavailableReason();
    if (zk !== null) return zk;
    const reasons = await Promise.all(KINDS.map((k) => privateSqlUnavailableReason(k)));
    return reasons.every((r) => r !== null) ? reasons.join('; ') : null;
  },
  run,
};
