/**
 * Launcher behaviours pinned by upstream's tests (docs/behaviour.md#upstream-tests), on SQLite with the
 * fake cloud over HTTP: subnodes, AZs, networks by name, IPv6, leaked servers, failed
 * deletions, hold, delete --now.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { stateName } from '../../../src/db/index.js';
import { JenkinsTargets, connectFakeJenkins } from '../../../src/jenkins-zuul/index.js';
import { deleteNodeInForeground } from '../../../src/launcher/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { fakeCloudDrivers } from '../../support/fake-drivers.js';
import { captureLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness, createForeignServer } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher behaviour tests: ${zk.reason}\n`);

describe.skipIf(zk.address === null)('Launcher behaviours', () => {
  let h: LauncherHarness | null = null;
  const harness = async (): Promise<LauncherHarness> => {
    h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
    });
    return h;
  };
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it("runs a provider image's ready-script (0.3-era form) on its nodes, unless the label names its own", async () => {
    const t = await harness();
    await t.writeConfig('subnodes.yaml', (text) =>
      text.replace(
        "        name-filter: 'Fake'\n",
        "        name-filter: 'Fake'\n        ready-script: image_ready.sh\n",
      ),
    );
    await t.addUpload('fake-image', ['fake-provider']);
    const captured = captureLog('info');
    await t.start({ log: captured.log });
    const ready = await t.waitReady({ 'fake-label': 2, 'multi-fake': 2 });
    const runs = captured.find('Running ready script').map((l) => l.msg);
    const plain = ready
      .filter((n) => n.labelName === 'fake-label')
      .map((n) => `Running ready script image_ready.sh on ${n.hostname}`);
    expect(runs.filter((r) => r.includes('image_ready.sh')).sort()).toEqual(plain.sort());
    // multi-fake's own script, on each node and its 2 subnodes; never the image's.
    expect(runs.filter((r) => r.includes('multinode_setup.sh'))).toHaveLength(6);
    expect(captured.find('0.3-era form')).toHaveLength(1);
  });

  it('launches subnodes for labels that have them and removes them with their node', async () => {
    const t = await harness();
    await t.writeConfig('subnodes.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    const ready = await t.waitReady({ 'fake-label': 2, 'multi-fake': 2 });
    const multi = ready.filter((n) => n.labelName === 'multi-fake');
    for (const n of multi) {
      const subs = await t.subnodes(n.id);
      expect(subs.map((s) => stateName(s.state))).toEqual(['ready', 'ready']);
      expect(subs.map((s) => s.hostname)).toEqual(
        subs.map((s) => `multi-fake-fake-provider-${n.id}-${s.id}`),
      );
      for (const s of subs) {
        const server = t.servers().find((x) => x.id === s.externalId)!;
        expect(JSON.parse(server.metadata['nodepool']!)).toMatchObject({ node_id: n.id });
      }
    }
    await t.waitConsistent();
    // By server id: SQLite may give the replacements the deleted nodes' ids, and the marked
    // nodes are now deleted and replaced at once.
    const oldServers = new Set<string | null>();
    for (const n of multi) for (const s of await t.subnodes(n.id)) oldServers.add(s.externalId);
    for (const n of multi) await t.db.nodes.setState(n.id, 'delete');
    await t.launcher!.runCron('cleanup');
    await waitFor(
      async () =>
        (await Promise.all(multi.map((n) => t.subnodes(n.id))))
          .flat()
          .every((s) => !oldServers.has(s.externalId)),
      { what: 'subnode rows gone' },
    );
    expect(t.servers().filter((x) => oldServers.has(x.id))).toEqual([]);
    await t.waitReady({ 'fake-label': 2, 'multi-fake': 2 });
    await t.waitConsistent();
  });

  it('puts nodes in the configured availability zone', async () => {
    const t = await harness();
    await t.writeConfig('node_az.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    const [node] = await t.waitReady({ 'fake-label': 1 });
    expect(node!.az).toBe('az1');
  });

  it('resolves networks given by name', async () => {
    const t = await harness();
    await t.writeConfig('node_net_name.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    await t.waitReady({ 'fake-label': 1 });
  });

  it('uses the IPv6 address only when preferred and present', async () => {
    const t = await harness();
    await t.writeConfig('node_ipv6.yaml');
    await t.addUpload('fake-image', ['fake-provider1', 'fake-provider2', 'fake-provider3']);
    await t.start();
    const ready = await t.waitReady({ 'fake-label1': 1, 'fake-label2': 1, 'fake-label3': 1 });
    const ip = (label: string): string | null => ready.find((n) => n.labelName === label)!.ip;
    expect(ip('fake-label1')).toBe('::1');
    expect(ip('fake-label2')).toMatch(/^127\./);
    expect(ip('fake-label3')).toMatch(/^127\./);
  });

  it('deletes a leaked server after two sightings and replaces its node', async () => {
    const t = await harness();
    await t.writeConfig('leaked_node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    const [node] = await t.waitReady({ 'fake-label': 1 });
    // Forget the node: its server is now a leak.
    await t.db.knex('node').where('id', node!.id).delete();
    await waitFor(() => !t.servers().some((s) => s.id === node!.externalId), {
      what: 'the leaked server to go',
      timeoutMs: 20_000,
    });
    await t.waitReady({ 'fake-label': 1 });
    await t.waitConsistent();
    expect(t.servers()).toHaveLength(1);
  });

  it('never deletes a server without nodepool metadata', async () => {
    const t = await harness();
    await t.writeConfig('leaked_node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    const launcher = await t.start();
    await t.waitReady({ 'fake-label': 1 });
    // Servers of another user of the project: no metadata, and metadata naming another provider.
    const plain = await createForeignServer(t.cloud, 'someone-elses');
    const other = await createForeignServer(t.cloud, 'other-nodepool', {
      nodepool: JSON.stringify({ provider_name: 'not-ours', node_id: 999 }),
    });
    await launcher.runCron('cleanup');
    await launcher.runCron('cleanup');
    await launcher.runCron('cleanup');
    const ids = t.servers().map((s) => s.id);
    expect(ids).toContain(plain);
    expect(ids).toContain(other);
  });

  it('keeps a node in delete when its deletion fails, and launches a replacement', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    const launcher = await t.start({
      jenkins: { removeNode: () => Promise.reject(new Error('Jenkins is down')) },
    });
    const [node] = await t.waitReady({ 'fake-label': 1 });
    await t.db.nodes.setState(node!.id, 'delete');
    await launcher.runCron('cleanup');
    await waitFor(
      async () => {
        const nodes = await t.nodes();
        return (
          nodes.some((n) => n.id === node!.id && stateName(n.state) === 'delete') &&
          nodes.some((n) => stateName(n.state) === 'ready')
        );
      },
      { what: 'old node in delete and a new ready node' },
    );
  });

  it('leaves held nodes alone and launches another', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    const launcher = await t.start();
    const [node] = await t.waitReady({ 'fake-label': 1 });
    await t.db.nodes.setState(node!.id, 'hold');
    launcher.wake();
    await waitFor(async () => (await t.states()).ready === 1, { what: 'a new ready node' });
    await launcher.runCron('cleanup');
    await launcher.runCron('check');
    expect(await t.states()).toEqual({ hold: 1, ready: 1 });
  });

  it('deletes a node in the foreground with delete --now', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    const [node] = await t.waitReady({ 'fake-label': 1 });
    await t.stopLauncher();
    const config = await loadConfig(t.configPath, { securePath: t.securePath });
    const log = pino({ level: 'silent' });
    const targets = new JenkinsTargets({
      log,
      stats: createNoopStats(),
      connect: connectFakeJenkins,
    });
    const jenkins = (signal: () => AbortSignal) => targets.hooks(signal);
    const deleted = await deleteNodeInForeground(config, t.db, node!.id, {
      log,
      drivers: fakeCloudDrivers(t.cloud),
      jenkins,
    }).finally(() => targets.stop());
    expect(deleted).toBe(true);
    expect(await t.nodes()).toEqual([]);
    expect(t.servers()).toEqual([]);
    expect(await deleteNodeInForeground(config, t.db, node!.id, { log })).toBe(false);
  });
});
