/**
 * Benchmark: the launcher's real main-loop pass (spec §5.2: read the node and subnode
 * counts, demand, allocation) over 10,000 node rows, on every SQL backend that answers.
 * The pool is woken 20 times; each pass's CPU time is this process's CPU time between the
 * wake and the pass count moving (the fake cloud runs as a separate process, so this is
 * the launcher and its database driver; MariaDB/PostgreSQL server CPU is not counted).
 * Goal (issue #6 "Scale"): < 50 ms CPU per pass. All labels are at min-ready, so a pass
 * starts no launches.
 */
import { delay } from '../../src/util/index.js';
import { probeSqlBackends } from '../../test/support/sql-backends.js';
import type { SqlBackendInfo } from '../../test/support/sql-backends.js';
import { startLauncherEnv } from '../support/launcher-env.js';
import type { BenchProvider } from '../support/launcher-env.js';

const NODES = 10_000;
const PROVIDERS = 10;
const LABELS_PER_PROVIDER = 5;
const PASSES = 20;
const GOAL_MS = 50;
// ready, used, hold, test: states a pass only counts.
const STATE_CODES = [2, 2, 2, 3, 3, 3, 3, 6, 7, 3];

async function passCpu(backend: SqlBackendInfo): Promise<Record<string, number>> {
  const providers: BenchProvider[] = Array.from({ length: PROVIDERS }, (_, p) => ({
    name: `p${p}`,
    maxServers: 2000,
    rate: 0.001,
    labels: Array.from({ length: LABELS_PER_PROVIDER }, (_, l) => ({
      name: `l${p}-${l}`,
      minReady: 2,
    })),
  }));
  const env = await startLauncherEnv(providers, {
    cloudProcess: true,
    backend,
    launcher: { timing: { intervalMs: 60_000, stopGraceMs: 100 } },
  });
  try {
    const now = Math.floor(Date.now() / 1000);
    const rows = Array.from({ length: NODES }, (_, i) => {
      const p = i % PROVIDERS;
      const l = Math.floor(i / PROVIDERS) % LABELS_PER_PROVIDER;
      return {
        provider_name: `p${p}`,
        label_name: `l${p}-${l}`,
        target_name: 'bench-target',
        hostname: `l${p}-${l}-p${p}-${i + 1}`,
        nodename: `l${p}-${l}-p${p}-${i + 1}`,
        external_id: `bench-${i}`,
        ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
        state: STATE_CODES[i % STATE_CODES.length]!,
        state_time: now,
      };
    });
    await env.sql.knex.batchInsert('node', rows, 500);
    await env.launcher.start();
    const waitPass = async (after: number): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (env.launcher.passes <= after) {
        if (Date.now() > deadline) throw new Error('Timed out waiting for a launcher pass');
        await delay(1);
      }
    };
    await waitPass(1);
    const samples: number[] = [];
    const walls: number[] = [];
    for (let i = 0; i < PASSES; i++) {
      await delay(20);
      const before = env.launcher.passes;
      const cpu0 = process.cpuUsage();
      env.launcher.wake();
      await waitPass(before);
      const cpu = process.cpuUsage(cpu0);
      samples.push((cpu.user + cpu.system) / 1000);
      walls.push(env.launcher.diagnostics().lastPassMs ?? NaN);
    }
    samples.sort((a, b) => a - b);
    walls.sort((a, b) => a - b);
    const inFlight = env.launcher.diagnostics().launchesInFlight.length;
    return {
      'cpu ms/pass p50': samples[Math.floor(samples.length / 2)]!,
      'cpu ms/pass max': samples[samples.length - 1]!,
      'wall ms/pass p50': walls[Math.floor(walls.length / 2)]!,
      'launches started': inFlight,
    };
  } finally {
    await env.stop();
  }
}

const launcherPass = {
  name: 'launcher-pass-10k',
  goal: `a real launcher pass over ${NODES} node rows, per SQL backend: median CPU < ${GOAL_MS} ms`,
  async run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
    const figures: Record<string, number | string> = {};
    let met = true;
    for (const backend of await probeSqlBackends()) {
      if (!backend.available) {
        figures[backend.name] = `SKIPPED: ${backend.reason ?? 'unavailable'}`;
        continue;
      }
      try {
        const f = await passCpu(backend);
        for (const [k, v] of Object.entries(f)) figures[`${backend.name}.${k}`] = v;
        if (f['cpu ms/pass p50']! >= GOAL_MS) met = false;
      } catch (err) {
        figures[backend.name] = `ERROR: ${err instanceof Error ? err.message : String(err)}`;
        met = false;
      }
    }
    return { figures, met };
  },
};

export default launcherPass;
