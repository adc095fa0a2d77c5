/**
 * ZooKeeper restarted (same port and data) under load: nodepoold fills and replaces nodes
 * (its image upload record is in ZooKeeper) and nodepool-builder builds and uploads, both
 * as child processes on one ZooKeeper. Then both must still run (no exit on a lost
 * session), and settle with clean accountings of the servers and the images.
 */
import { delay } from '../../../src/util/index.js';
import { createTestDatabase } from '../../../test/support/sql-db.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { mergeAccountings } from '../lib/accounting.js';
import { BuilderWorld } from '../lib/builder-world.js';
import { LauncherWorld } from '../lib/launcher-world.js';
import { createRng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle, withTimeout } from '../lib/settle.js';

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 3;
  const zk = await ZooKeeperServer.start({ tickTimeMs: 500 });
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let launcher: LauncherWorld | null = null;
  let builder: BuilderWorld | null = null;
  try {
    launcher = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels: { small: 3, large: 2 },
      maxServers: 10,
      knobs: { buildDelayMs: 1000, deleteDelayMs: 300 },
      rng,
    });
    builder = await BuilderWorld.start({ zookeeper: zk });
    const l = launcher;
    const b = builder;
    l.nodepoold.start();
    b.builder.start();
    const failures: string[] = [];
    let down = 0;
    for (let round = 1; round <= rounds; round++) {
      await delay(rng.int(2000, 5000));
      await l.churn(rng.int(1, 2));
      await withTimeout(b.requestBuild(), 15_000, 'The build request').catch(() => undefined);
      const t0 = Date.now();
      await zk.restart();
      down += Date.now() - t0;
      progress(
        options,
        'zookeeper-restart',
        `round ${round}/${rounds}: ZooKeeper restarted in ${Date.now() - t0} ms`,
      );
    }
    const settled = await settle(
      async () =>
        mergeAccountings(
          await withTimeout(l.account(), 14_000, 'The launcher accounting (cloud, database)'),
          await withTimeout(
            b.account(),
            14_000,
            'The builder accounting (cloud, ZooKeeper, files)',
          ),
        ),
      options.settleMs ?? 120_000,
      1000,
    );
    for (const d of [l.nodepoold, b.builder])
      if (!d.isRunning)
        failures.push(`${d.spec.name} exited during the restarts: ${d.exits.join(', ')}`);
    for (const d of [l.nodepoold, b.builder]) {
      const exit = await d.stop(20_000);
      if (exit !== 'code 0')
        failures.push(`${d.spec.name} did not stop cleanly on SIGINT: ${exit}`);
    }
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'ZooKeeper restarts': rounds,
        'ZooKeeper down s (total)': Math.round(down / 100) / 10,
        'settle s': Math.round(settled.ms / 100) / 10,
      },
      failures,
      log: l.nodepoold.tail(2500) + b.builder.tail(2500),
    };
  } finally {
    await launcher?.stop();
    await builder?.stop();
    await sql.drop();
    await zk.stop();
  }
}

/** The scenario. */
export const zookeeperRestart: Scenario = {
  name: 'zookeeper-restart',
  description:
    'ZooKeeper restarted under load (nodepoold filling, nodepool-builder building and uploading)',
  defaultRounds: 3,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
