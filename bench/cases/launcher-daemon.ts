/**
 * Launcher benchmarks measured from outside (issue #19): `bin/nodepoold` as its own process
 * against a `nodepool-fake-cloud` process whose servers answer SSH on their own addresses,
 * one provider, two labels × min-ready 25, rate 0.01, 2 s build, 1 s delete. The clock
 * starts at the daemon's spawn; CPU and peak RSS are the daemon process's own (/proc).
 * The Python Nodepool 3.5 launcher's figures, taken on this machine against the same fake
 * cloud (issue #19), are printed beside ours. `BENCH_CPU_PROF=<dir>` writes the daemon's
 * V8 CPU profile there; `BENCH_DAEMON_OUTPUT=<file>` keeps what each daemon printed in `<file>.<pid>`.
 */
import { delay } from '../../src/util/index.js';
import { startDaemonEnv } from '../support/daemon-env.js';
import type { DaemonEnv, DaemonEnvOptions } from '../support/daemon-env.js';

const NODES = 50;
const BASE: Omit<DaemonEnvOptions, 'knobs'> = {
  labels: [
    { name: 'a', minReady: 25 },
    { name: 'b', minReady: 25 },
  ],
  maxServers: 100,
  rate: 0.01,
};
const KNOBS = { buildDelayMs: 2000, deleteDelayMs: 1000 };

async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  env: DaemonEnv,
  pollMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (env.exited())
      throw new Error(
        `nodepoold exited while the bench waited for ${what}: ${env.output().slice(-2000)}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}; daemon output: ${env.output().slice(-2000)}`,
      );
    await delay(pollMs);
  }
}

interface FillFigures {
  seconds: number;
  cpu: number;
  rss: number;
  callsPerNode: number;
  loginsPerNode: number;
  warnings: number;
}

async function fill(env: DaemonEnv): Promise<FillFigures> {
  await until(async () => (await env.readyCount()) >= NODES, 120_000, `${NODES} ready nodes`, env);
  const seconds = (performance.now() - env.spawnedAt) / 1000;
  const cpu = env.cpuSeconds();
  const rss = env.peakRssMiB();
  const calls = await env.apiCalls();
  const ssh = Object.values(await env.sshActivity());
  const warnings = (env.output().match(/MaxListenersExceededWarning/g) ?? []).length;
  return {
    seconds,
    cpu,
    rss,
    callsPerNode: calls / NODES,
    loginsPerNode: ssh.reduce((s, a) => s + a.logins, 0) / NODES,
    warnings,
  };
}

function profileDir(): Pick<DaemonEnvOptions, 'cpuProfDir'> {
  const dir = process.env['BENCH_CPU_PROF'];
  return dir === undefined || dir === '' ? {} : { cpuProfDir: dir };
}

const fillCase = {
  name: 'launcher-fill',
  goal: `${NODES} ready, real SSH to every node, daemon as its own process: ≤ 6 s, ≤ 2 CPU-s, peak RSS ≤ 136 MiB (peer: 10–14 s, median 12.3; 5.5–8 CPU-s)`,
  async run() {
    const env = await startDaemonEnv({ ...BASE, knobs: KNOBS, ...profileDir() });
    try {
      const f = await fill(env);
      return {
        figures: {
          'seconds to 50 ready': f.seconds,
          'peer seconds': '10–14 (median 12.3)',
          'daemon CPU s': f.cpu,
          'peer CPU s': '5.5–8',
          'daemon peak RSS MiB': f.rss,
          'API calls per node': f.callsPerNode,
          'peer API calls per node': 6.7,
          'SSH logins per node': f.loginsPerNode,
          'daemon MaxListeners warnings': f.warnings,
        },
        met:
          f.seconds <= 6 && f.cpu <= 2 && f.rss <= 136 && f.loginsPerNode >= 1 && f.warnings === 0,
      };
    } finally {
      await env.stop();
    }
  },
};

const latencyCase = {
  name: 'launcher-fill-latency',
  goal: `the same fill with 200 ms added to every cloud call: ≤ 8 s (peer: 22.7–23.2 s)`,
  async run() {
    const env = await startDaemonEnv({ ...BASE, knobs: { ...KNOBS, latencyMs: 200 } });
    try {
      const f = await fill(env);
      return {
        figures: {
          'seconds to 50 ready': f.seconds,
          'peer seconds': '22.7–23.2',
          'daemon CPU s': f.cpu,
          'daemon peak RSS MiB': f.rss,
          'SSH logins per node': f.loginsPerNode,
        },
        met: f.seconds <= 8 && f.loginsPerNode >= 1,
      };
    } finally {
      await env.stop();
    }
  },
};

const replacementCase = {
  name: 'launcher-replacement',
  goal: 'after the fill, one node retired: its replacement create call → ready ≤ 3 s (peer: 2.5–3.4 s)',
  async run() {
    const env = await startDaemonEnv({ ...BASE, knobs: KNOBS });
    try {
      await fill(env);
      const before = new Set(await env.serverIds());
      await env.retireOneReady();
      let createdAt = 0;
      await until(
        async () => (await env.serverIds()).some((id) => !before.has(id)),
        30_000,
        'the replacement create call',
        env,
        10,
      );
      createdAt = performance.now();
      await until(
        async () => (await env.readyCount()) >= NODES,
        30_000,
        'the replacement to be ready',
        env,
        10,
      );
      const seconds = (performance.now() - createdAt) / 1000;
      return {
        figures: { 'create call → ready s': seconds, 'peer s': '2.5–3.4' },
        met: seconds <= 3,
      };
    } finally {
      await env.stop();
    }
  },
};

const fakeSshCase = {
  name: 'launcher-fill-fake-ssh (diagnostic)',
  goal: 'diagnostic, no goal: the fill with the test harness fake SSH seam (no SSH at all)',
  async run() {
    const env = await startDaemonEnv({ ...BASE, knobs: KNOBS, fakeSsh: true });
    try {
      const f = await fill(env);
      return {
        figures: {
          'seconds to 50 ready': f.seconds,
          'daemon CPU s (incl. tsx start)': f.cpu,
          'daemon peak RSS MiB': f.rss,
        },
        met: true,
      };
    } finally {
      await env.stop();
    }
  },
};

export default [fillCase, latencyCase, replacementCase, fakeSshCase];
