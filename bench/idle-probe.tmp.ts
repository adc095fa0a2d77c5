import { delay } from '../src/util/index.js';
import { ZooKeeperEnsemble } from '../test/support/zookeeper.js';
import { machineCpuSeconds, startClusterEnv } from './support/cluster-env.js';
const ensemble = await ZooKeeperEnsemble.start();
const env = await startClusterEnv({
  ensemble, chroot: '/idle-probe', launchers: 3,
  providers: Array.from({ length: 10 }, (_, i) => ({ name: `p${i}`, maxServers: 400, rate: 0.01, label: `l${i}`, minReady: 400 })),
  knobs: { buildDelayMs: 60_000, quota: { instances: 100_000, cores: 1_000_000, ramMb: 1_000_000_000 } },
  backend: { name: 'sqlite', available: true },
});
await env.waitFormed(120_000);
await delay(3000);
const c0 = env.cpuSeconds(); const m0 = machineCpuSeconds(); const k0 = env.cloudCpuSeconds();
await delay(5000);
const c1 = env.cpuSeconds(); const m1 = machineCpuSeconds(); const k1 = env.cloudCpuSeconds();
console.log('idle daemons %:', env.names.map((n) => ((c1[n]! - c0[n]!) / 5 * 100).toFixed(1)), 'cloud %', ((k1 - k0) / 5 * 100).toFixed(1), 'machine %', ((m1.busy - m0.busy) / (m1.total - m0.total) * 100).toFixed(1));
await env.stop(); await ensemble.stop();
