/** The launcher's health checks: the main loop's age, ZooKeeper, providers remembered. */
import { describe, expect, it } from 'vitest';
import type { CompiledConfig } from '../../../src/config/index.js';
import { launcherHealthProbes } from '../../../src/launcher/health.js';
import type { LauncherHealthDeps } from '../../../src/launcher/health.js';
import type { Provider } from '../../../src/provider/index.js';

function deps(over: Partial<LauncherHealthDeps>): LauncherHealthDeps {
  return {
    state: () => 'running',
    lastPassAt: () => null,
    startedAt: () => 0,
    intervalMs: 1000,
    config: () => null,
    db: () => null,
    zookeeper: () => null,
    provider: () => undefined,
    now: () => 0,
    ...over,
  };
}

const signal = new AbortController().signal;

describe('launcherHealthProbes', () => {
  it('keeps the loop live for three intervals after the last pass', async () => {
    let now = 10_000;
    const probes = launcherHealthProbes(deps({ lastPassAt: () => 7000, now: () => now }));
    expect(await probes.live.loop!(signal)).toEqual({
      status: 'up',
      detail: 'last pass ended 3.0 s ago',
    });
    now = 10_001;
    expect(await probes.live.loop!(signal)).toEqual({
      status: 'down',
      detail: 'last pass ended 3.0 s ago (limit 3.0 s)',
    });
  });

  it('is not live when the launcher is stopping', async () => {
    const probes = launcherHealthProbes(deps({ state: () => 'stopping' }));
    expect(await probes.live.loop!(signal)).toEqual({
      status: 'down',
      detail: 'launcher is stopping',
    });
  });

  it('skips ZooKeeper when none is configured and names a lost session', async () => {
    const config = { zookeeperServers: [], providers: [] } as unknown as CompiledConfig;
    expect(
      await launcherHealthProbes(deps({ config: () => config })).ready.zookeeper!(signal),
    ).toEqual({ status: 'skipped', detail: 'no zookeeper-servers configured' });
    const zk = { isConnected: false, connectionState: 'disconnected' };
    expect(
      await launcherHealthProbes(deps({ zookeeper: () => zk })).ready.zookeeper!(signal),
    ).toEqual({ status: 'down', detail: 'session is disconnected' });
  });

  it('asks a provider that answered again only after 30 s, one that failed after 10 s', async () => {
    let now = 0;
    const calls: string[] = [];
    let fail = false;
    const provider = (name: string): Provider =>
      ({
        listServers: () => {
          calls.push(name);
          return fail ? Promise.reject(new Error('HTTP 503')) : Promise.resolve([]);
        },
      }) as unknown as Provider;
    const config = {
      zookeeperServers: [],
      providers: [{ name: 'a' }, { name: 'b' }],
    } as unknown as CompiledConfig;
    const probes = launcherHealthProbes(deps({ config: () => config, provider, now: () => now }));
    expect(await probes.ready.providers!(signal)).toEqual({
      status: 'up',
      detail: 'answered: a, b',
    });
    now = 29_999;
    await probes.ready.providers!(signal);
    expect(calls).toEqual(['a', 'b']);
    now = 30_000;
    fail = true;
    expect(await probes.ready.providers!(signal)).toEqual({
      status: 'down',
      detail: 'a: HTTP 503; b: HTTP 503',
    });
    now = 39_999;
    await probes.ready.providers!(signal);
    expect(calls).toHaveLength(4);
    fail = false;
    now = 40_000;
    expect((await probes.ready.providers!(signal)).status).toBe('up');
    expect(calls).toHaveLength(6);
  });
});
