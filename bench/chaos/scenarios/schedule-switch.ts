/**
 * A `min-ready-schedule` switching every minute (even minutes 5, odd minutes the label's
 * own 1) while nodepoold runs as a real process against the fake cloud. Each minute the
 * pool must fill up or trim down; a held and a used node must survive every trim. Then a
 * schedule of 1 at every minute: the pool must settle at one ready node, with the cloud's
 * servers matching the rows and nothing left building or deleting.
 */
import { openDatabase, stateName } from '../../../src/db/index.js';
import { delay } from '../../../src/util/index.js';
import { createTestDatabase } from '../../../test/support/sql-db.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { LauncherWorld } from '../lib/launcher-world.js';
import { createRng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle } from '../lib/settle.js';

const HIGH = 5;
const schedule = (cron: string, n: number): string[] => [
  '    min-ready-schedule:',
  '      timezone: Asia/Kolkata',
  '      periods:',
  `        - cron: '${cron}'`,
  `          min-ready: ${n}`,
];

/** Node ids by state name. */
async function states(dburi: string): Promise<Record<string, number[]>> {
  const db = await openDatabase(dburi, { poolMax: 1 });
  try {
    const out: Record<string, number[]> = {};
    for (const n of await db.nodes.list()) (out[stateName(n.state)] ??= []).push(n.id);
    return out;
  } finally {
    await db.close();
  }
}

async function setState(dburi: string, id: number, state: 'hold' | 'used'): Promise<void> {
  const db = await openDatabase(dburi, { poolMax: 1 });
  try {
    await db.nodes.update(id, { state });
  } finally {
    await db.close();
  }
}

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 4;
  const zk = await ZooKeeperServer.start();
  const sql = await createTestDatabase({ name: 'sqlite', available: true });
  let world: LauncherWorld | null = null;
  try {
    world = await LauncherWorld.start({
      zookeeper: zk,
      dburi: sql.dburi,
      labels: { small: 1 },
      labelLines: { small: schedule('*/2 * * * *', HIGH) },
      maxServers: 12,
      knobs: { buildDelayMs: 500, deleteDelayMs: 300 },
      rng,
    });
    const w = world;
    w.nodepoold.start();
    const failures: string[] = [];
    let kept: number[] = [];
    let ups = 0;
    let downs = 0;
    for (let round = 1; round <= rounds; round++) {
      // 25 s into the next minute: the fill or trim of that minute is done.
      await delay(60_000 - (Date.now() % 60_000) + 25_000);
      const high = new Date().getUTCMinutes() % 2 === 0;
      const s = await states(sql.dburi);
      const ready = s['ready']?.length ?? 0;
      const supply = ready + (s['used']?.length ?? 0);
      progress(
        options,
        'schedule-switch',
        `round ${round}: ${high ? 'high' : 'low'} ${JSON.stringify(s)}`,
      );
      for (const id of kept) {
        if (!(s['used'] ?? []).concat(s['hold'] ?? []).includes(id))
          failures.push(`Round ${round}: node ${id} (used or held) is gone or changed state`);
      }
      if (high) {
        ups++;
        if (supply < HIGH)
          failures.push(`Round ${round} (min-ready ${HIGH}): ${supply} ready/used`);
        if (kept.length === 0 && ready >= 2) {
          // A job takes one node and an operator holds another: no trim may delete them.
          const [used, held] = s['ready']!;
          await setState(sql.dburi, used!, 'used');
          await setState(sql.dburi, held!, 'hold');
          kept = [used!, held!];
        }
      } else {
        downs++;
        if (ready !== 1) failures.push(`Round ${round} (min-ready 1): ${ready} ready nodes, not 1`);
      }
    }
    await w.writeFiles({ small: 1 }, { small: schedule('* * * * *', 1) });
    const settled = await settle(
      async () => {
        const a = await w.account({ small: 1 });
        const ready = (await states(sql.dburi))['ready']?.length ?? 0;
        return ready === 1 ? a : { ...a, problems: [...a.problems, `${ready} ready nodes, not 1`] };
      },
      options.settleMs ?? 120_000,
      500,
    );
    const last = await states(sql.dburi);
    for (const id of kept) {
      if (!(last['used'] ?? []).concat(last['hold'] ?? []).includes(id))
        failures.push(`At the end: node ${id} (used or held) is gone or changed state`);
    }
    const exit = await w.nodepoold.stop();
    if (exit !== 'code 0') failures.push(`nodepoold did not stop cleanly on SIGINT: ${exit}`);
    if (kept.length === 0) failures.push('No minute with min-ready 5 held two ready nodes');
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'minutes at 5': ups,
        'minutes at 1': downs,
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
export const scheduleSwitch: Scenario = {
  name: 'schedule-switch',
  description:
    'min-ready-schedule switching between 5 and 1 every minute: fill and trim each minute, used and held nodes kept, nothing leaked',
  defaultRounds: 4,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
