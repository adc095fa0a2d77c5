/**
 * Launcher robustness: start-up after nodes were left building, injected cloud failures,
 * provider removal (`max-servers: -1`) with the statsd names, and config reloads.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness, createForeignServer } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher recovery tests: ${zk.reason}\n`);

describe.skipIf(zk.address === null)('Launcher recovery', () => {
  let h: LauncherHarness | null = null;
  const harness = async (statsd = false): Promise<LauncherHarness> => {
    h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
      statsd,
    });
    return h;
  };
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('deletes nodes left building by a stop, and servers never recorded, at start-up', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml', (y) => y.replace('min-ready: 1', 'min-ready: 3'));
    await t.addUpload('fake-image', ['fake-provider']);
    // Servers never go ACTIVE: launches are stuck waiting when we stop.
    t.cloud.setKnobs({ buildDelayMs: 3_600_000 });
    await t.start({ timing: { stopGraceMs: 100, intervalMs: 1000 } });
    await waitFor(() => t.servers().length === 3, { what: 'three servers building' });
    await t.stopLauncher();
    expect(await t.states()).toEqual({ building: 3 });
    // A crash between the create call and recording its id: a row without external_id.
    const orphan = await t.db.nodes.create({
      providerName: 'fake-provider',
      labelName: 'fake-label',
      targetName: 'fake-target',
    });
    const orphanServer = await createForeignServer(t.cloud, 'orphan', {
      nodepool: JSON.stringify({
        provider_name: 'fake-provider',
        node_id: orphan.id,
        image_name: 'fake-image',
      }),
    });
    t.cloud.setKnobs({ buildDelayMs: 20 });
    await t.start();
    await t.waitReady({ 'fake-label': 3 });
    await t.waitConsistent();
    expect(t.servers().some((s) => s.id === orphanServer)).toBe(false);
    expect(t.servers()).toHaveLength(3);
  });

  it('reaches min-ready with no leaked server when 30 % of creates and deletes fail', async () => {
    const t = await harness();
    await t.writeConfig('leaked_node.yaml', (y) => y.replace('min-ready: 1', 'min-ready: 6'));
    await t.addUpload('fake-image', ['fake-provider']);
    t.cloud.setKnobs({ createFailureRate: 0.3, deleteFailureRate: 0.3 });
    await t.start({ timing: { deleteTimeoutMs: 1000 } });
    await t.waitReady({ 'fake-label': 6 }, 60_000);
    t.cloud.setKnobs({ createFailureRate: 0, deleteFailureRate: 0 });
    await t.waitReady({ 'fake-label': 6 }, 60_000);
    await t.waitConsistent(60_000);
    expect(t.servers()).toHaveLength(6);
  });

  it('reports upstream statsd names and drains a provider set to max-servers -1', async () => {
    const t = await harness(true);
    await t.writeConfig('node_two_provider.yaml', (y) =>
      y.replace('min-ready: 1', 'min-ready: 2').replaceAll('max-servers: 96', 'max-servers: 1'),
    );
    await t.addUpload('fake-image', ['fake-provider', 'fake-provider2']);
    const launcher = await t.start();
    const ready = await t.waitReady({ 'fake-label': 2 });
    const s = t.statsd!;
    await s.waitForLine('nodepool.launch.ready');
    await s.waitForLine('nodepool.launch.provider.fake-provider.ready');
    await s.waitForLine('nodepool.launch.image.fake-image.ready');
    await s.waitForLine('nodepool.launch.target.fake-target.ready');
    await s.waitForLine(/^nodepool\.nodes\.ready:2\|g$/);
    await s.waitForLine(/^nodepool\.provider\.fake-provider2\.nodes\.ready:1\|g$/);
    await s.waitForLine(/^nodepool\.label\.fake-label\.nodes\.building:0\|g$/);
    await s.waitForLine(/^nodepool\.target\.fake-target\.nodes\.ready:2\|g$/);
    await s.waitForLine(/^nodepool\.provider\.fake-provider\.max_servers:1\|g$/);
    expect(s.lines.some((l) => /^nodepool\.launch\.ready:\d+\|ms$/.test(l))).toBe(true);
    expect(s.lines.some((l) => l === 'nodepool.launch.ready:1|c')).toBe(true);
    expect(s.lines.some((l) => l.startsWith('nodepool.task.fake-provider.ServerCreate:'))).toBe(
      true,
    );

    // Remove fake-provider2 the documented way: off the label, max-servers -1.
    await t.writeConfig('node_two_provider_remove.yaml', (y) =>
      y.replace(/(- name: fake-provider2[\s\S]*?)max-servers: 96/, '$1max-servers: -1'),
    );
    const onP2 = ready.find((n) => n.providerName === 'fake-provider2')!;
    s.clear();
    await waitFor(() => launcher.diagnostics().config.loads >= 2, { what: 'the config reload' });
    await t.db.nodes.setState(onP2.id, 'delete');
    await launcher.runCron('cleanup');
    await s.waitForLine('nodepool.delete.fake-image.fake-provider2.fake-target');
    await waitFor(async () => (await t.nodes()).every((n) => n.providerName === 'fake-provider'), {
      what: 'the node on fake-provider2 to go',
    });
    await s.waitForLine(/^nodepool\.provider\.fake-provider2\.max_servers:-1\|g$/);
    const packet = s.packets.find((p) => p.includes('fake-provider2.max_servers:-1'))!;
    expect(packet).toContain(
      'nodepool.provider.fake-provider2.max_servers:0|g\nnodepool.provider.fake-provider2.max_servers:-1|g',
    );
    launcher.wake();
    await waitFor(() => launcher.passes >= 3, { what: 'more passes' });
    expect((await t.nodes()).filter((n) => n.providerName === 'fake-provider2')).toEqual([]);
  });

  it('keeps the last good config when the file becomes invalid, and applies a fixed one', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    const launcher = await t.start();
    await t.waitReady({ 'fake-label': 1 });
    await writeFile(t.configPath, 'labels: [ {name: broken\n');
    launcher.wake();
    await waitFor(() => launcher.passes >= 4, { what: 'passes with a broken config' });
    expect(await t.states()).toEqual({ ready: 1 });
    await t.writeConfig('node.yaml', (y) => y.replace('min-ready: 1', 'min-ready: 2'));
    await t.waitReady({ 'fake-label': 2 });
    expect((await t.nodes()).map((n) => stateName(n.state))).toEqual(['ready', 'ready']);
  });
});
