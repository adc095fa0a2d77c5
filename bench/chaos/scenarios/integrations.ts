/**
 * The two event sources of nodepoold going away and coming back:
 * - `zmq-disconnect`: the Jenkins ZeroMQ publisher closes and binds again (as a Jenkins
 *   restart does), and sends some garbage; after each restart an `onStarted` event for a
 *   ready node must still reach nodepoold (the node becomes `used`) within 20 s.
 * - `gearmand-restart`: gearmand restarts (its queue is lost); jobs queued again afterwards
 *   must again be read as demand (more nodes of the label are launched).
 * Both end with the launcher accounting.
 */
import { openDatabase, stateName } from '../../../src/db/index.js';
import { delay } from '../../../src/util/index.js';
import { Gearmand, gearmandUnavailableReason } from '../../../test/support/gearmand.js';
import { createTestDatabase } from '../../../test/support/sql-db.js';
import { ZmqPublisher } from '../../../test/support/zmq-publisher.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { LauncherWorld } from '../lib/launcher-world.js';
import { createRng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle } from '../lib/settle.js';

async function nodesOf(
  dburi: string,
  label: string,
): Promise<Array<{ id: number; nodename: string | null; state: string }>> {
  const db = await openDatabase(dburi, { poolMax: 1 });
  try {
    return (await db.nodes.list())
      .filter((n) => n.labelName === label)
      .map((n) => ({
        id: n.id,
        nodename: n.nodename,
        state: n.state === null ? 'unknown' : stateName(n.state),
      }));
  } finally {
    await db.close();
  }
}

async function withWorld(
  extraConfig: (zk: ZooKeeperServer) => string[],
  labels: Record<string, number>,
  options: ScenarioOptions,
  body: (w: LauncherWorld, failures: string[]) => Promise<Record<string, number | string>>,
): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const zk = await ZooKeeperServer.start();
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let world: LauncherWorld | null = null;
  try {
    world = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels,
      maxServers: 14,
      knobs: { buildDelayMs: 300 },
      extraConfig: extraConfig(zk),
      rng,
    });
    const w = world;
    w.nodepoold.start();
    const failures: string[] = [];
    const filled = await settle(() => w.account(), 60_000);
    if (filled.accounting.problems.length > 0)
      failures.push(`Did not fill: ${filled.accounting.problems.join('; ')}`);
    const faults = await body(w, failures);
    const settled = await settle(() => w.account(), 60_000);
    if (!w.nodepoold.isRunning) failures.push(`nodepoold exited: ${w.nodepoold.exits.join(', ')}`);
    const exit = await w.nodepoold.stop();
    if (exit !== 'code 0') failures.push(`nodepoold did not stop cleanly on SIGINT: ${exit}`);
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults,
      failures,
      log: w.nodepoold.tail(4000),
    };
  } finally {
    await world?.stop();
    await sql.drop();
    await zk.stop();
  }
}

const GARBAGE = [
  '',
  'onStarted',
  'onStarted {',
  'onStarted []',
  'bogus {"build": {}}',
  'onCompleted {"build": {"node_name": 7}}',
  '\u0000\u00ff\u00fe',
];

async function zmqRun(options: ScenarioOptions): Promise<ScenarioResult> {
  const rounds = options.rounds ?? 5;
  const publisher = await ZmqPublisher.start();
  try {
    return await withWorld(
      () => ['zmq-publishers:', `  - ${publisher.address}`],
      { small: 3 },
      options,
      async (w, failures) => {
        let delivered = 0;
        let worstMs = 0;
        for (let round = 1; round <= rounds; round++) {
          await publisher.restart();
          for (const g of GARBAGE) await publisher.sendRaw(g);
          await settle(() => w.account(), 30_000);
          const node = (await nodesOf(w.options.dburi, 'small')).find(
            (n) => n.state === 'ready' && n.nodename !== null,
          );
          if (node === undefined) {
            failures.push(`Round ${round}: no ready node to send an event for`);
            continue;
          }
          const t0 = Date.now();
          let used = false;
          while (!used && Date.now() - t0 < 20_000) {
            await publisher.send('onStarted', {
              node: node.nodename!,
              job: 'chaos-job',
              number: round,
            });
            await delay(200);
            used = (await nodesOf(w.options.dburi, 'small')).some(
              (n) => n.id === node.id && n.state === 'used',
            );
          }
          if (used) {
            // A used node counts as supply until deleted: delete it so the next round has a ready one.
            await w.markDelete(node.id);
            delivered++;
            worstMs = Math.max(worstMs, Date.now() - t0);
          } else
            failures.push(
              `Round ${round}: onStarted for ${node.nodename} not handled within 20 s of the publisher's restart`,
            );
          progress(
            options,
            'zmq-disconnect',
            `round ${round}/${rounds}: ${used ? `delivered in ${Date.now() - t0} ms` : 'NOT delivered'}`,
          );
        }
        return {
          'publisher restarts': rounds,
          'garbage messages': rounds * GARBAGE.length,
          'events delivered after restart': delivered,
          'worst delivery ms': worstMs,
        };
      },
    );
  } finally {
    publisher.close();
  }
}

async function gearmanRun(options: ScenarioOptions): Promise<ScenarioResult> {
  const rounds = options.rounds ?? 3;
  const gearmand = await Gearmand.start();
  try {
    return await withWorld(
      () => ['gearman-servers:', `  - host: ${gearmand.host}`, `    port: ${gearmand.port}`],
      { small: 1 },
      options,
      async (w, failures) => {
        let queued = 0;
        for (let round = 1; round <= rounds; round++) {
          const before = (await nodesOf(w.options.dburi, 'small')).length;
          await gearmand.restart();
          // After the restart the queue is empty; queue more jobs than there are nodes.
          const jobs = before + 1;
          await gearmand.queue('build:chaos-job:small', jobs);
          queued += jobs;
          const t0 = Date.now();
          let seen = false;
          while (!seen && Date.now() - t0 < 30_000) {
            await delay(250);
            seen = (await nodesOf(w.options.dburi, 'small')).length > before;
          }
          if (!seen)
            failures.push(
              `Round ${round}: ${jobs} jobs queued after gearmand's restart launched no node within 30 s`,
            );
          progress(
            options,
            'gearmand-restart',
            `round ${round}/${rounds}: ${seen ? `demand seen in ${Date.now() - t0} ms` : 'demand NOT seen'}`,
          );
        }
        return { 'gearmand restarts': rounds, 'jobs queued': queued };
      },
    );
  } finally {
    await gearmand.stop();
  }
}

/** The ZeroMQ scenario. */
export const zmqDisconnect: Scenario = {
  name: 'zmq-disconnect',
  description:
    'the Jenkins ZeroMQ publisher disconnects and comes back (plus garbage frames); events must flow again',
  defaultRounds: 5,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run: zmqRun,
};

/** The Gearman scenario. */
export const gearmandRestart: Scenario = {
  name: 'gearmand-restart',
  description:
    'gearmand restarted (queue lost); jobs queued afterwards must be read as demand again',
  defaultRounds: 3,
  unavailableReason: () =>
    Promise.resolve(zooKeeperUnavailableReason() ?? gearmandUnavailableReason()),
  run: gearmanRun,
};
