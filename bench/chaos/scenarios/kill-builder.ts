/**
 * `kill -9` of nodepool-builder at random moments while it builds (fake dib), uploads and
 * cleans up, with a new build requested every round; restarted after each kill. Then: the
 * builder must settle with every cloud image named by an upload record (and each ready
 * upload's image present), no build or upload record stuck in `building`/`uploading`/
 * `deleting`, image files on disk == build records, and a ready upload of the image.
 */
import { delay } from '../../../src/util/index.js';
import { ZooKeeperServer, zooKeeperUnavailableReason } from '../../../test/support/zookeeper.js';
import { BuilderWorld } from '../lib/builder-world.js';
import { createRng } from '../lib/rng.js';
import { progress } from '../lib/scenario.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { settle } from '../lib/settle.js';

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rng = createRng(options.seed);
  const rounds = options.rounds ?? 20;
  const zk = await ZooKeeperServer.start();
  let world: BuilderWorld | null = null;
  try {
    world = await BuilderWorld.start({ zookeeper: zk });
    const w = world;
    w.builder.start();
    let requests = 0;
    for (let round = 1; round <= rounds; round++) {
      if (round > 1 && rng.chance(0.7)) {
        await w.requestBuild();
        requests++;
      }
      // Start-up takes about 1.5 s; a build about 1.5 s more, an upload a few hundred ms.
      await delay(rng.int(800, 5000));
      await w.builder.kill9();
      progress(
        options,
        'kill-builder',
        `round ${round}/${rounds}: killed; ${JSON.stringify((await w.account()).figures)}`,
      );
      w.builder.start();
    }
    const settled = await settle(() => w.account(), options.settleMs ?? 120_000, 1000);
    const exit = await w.builder.stop(20_000);
    const failures =
      exit === 'code 0' ? [] : [`nodepool-builder did not stop cleanly on SIGINT: ${exit}`];
    return {
      ok: failures.length === 0 && settled.accounting.problems.length === 0,
      accounting: settled.accounting,
      faults: {
        'kill -9': rounds,
        'build requests': requests,
        'settle s': Math.round(settled.ms / 100) / 10,
      },
      failures,
      log: w.builder.tail(4000),
    };
  } finally {
    await world?.stop();
    await zk.stop();
  }
}

/** The scenario. */
export const killBuilder: Scenario = {
  name: 'kill-builder',
  description:
    'kill -9 of nodepool-builder at random moments (build, upload, cleanup in flight), restart after each',
  defaultRounds: 20,
  unavailableReason: () => Promise.resolve(zooKeeperUnavailableReason()),
  run,
};
