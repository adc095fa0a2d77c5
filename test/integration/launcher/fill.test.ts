/**
 * Launcher: min-ready fill and deletion on every SQL backend (upstream test_nodepool.py
 * test_node, test_node_disabled_label, test_node_vhd_and_qcow2-style two providers,
 * test_node_delete), with the fake cloud over HTTP.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
const backends = inject('sqlBackends');
if (zk.address === null) process.stderr.write(`SKIPPED launcher fill tests: ${zk.reason}\n`);
for (const b of backends.filter((x) => !x.available))
  process.stderr.write(`SKIPPED launcher fill tests on ${b.name}: ${b.reason}\n`);

for (const backend of backends.filter((b) => b.available)) {
  describe.skipIf(zk.address === null)(`Launcher fill and delete (${backend.name})`, () => {
    let h: LauncherHarness | null = null;
    const harness = async (): Promise<LauncherHarness> => {
      h = await LauncherHarness.create({ backend, zookeeper: zk.address! });
      return h;
    };
    afterEach(async () => {
      await h?.stop();
      h = null;
    });

    it('fills min-ready with one ready node when one provider has the image', async () => {
      const t = await harness();
      await t.writeConfig('node.yaml');
      await t.addUpload('fake-image', ['fake-provider']);
      await t.start();
      const [node] = await t.waitReady({ 'fake-label': 1 });
      expect(node).toMatchObject({
        providerName: 'fake-provider',
        labelName: 'fake-label',
        targetName: 'fake-target',
      });
      expect(node!.hostname).toBe(`fake-label-fake-provider-${node!.id}`);
      expect(node!.nodename).toBe(node!.hostname);
      expect(node!.ip).toMatch(/^127\./);
      expect(node!.externalId).not.toBeNull();
      const server = t.servers().find((s) => s.id === node!.externalId)!;
      expect(JSON.parse(server.metadata['nodepool']!)).toEqual({
        provider_name: 'fake-provider',
        node_id: node!.id,
        image_name: 'fake-image',
      });
      expect(JSON.parse(server.metadata['groups']!)).toEqual(['fake-provider', 'fake-image']);
      await t.waitConsistent();
    });

    it('launches nothing when the label has min-ready 0', async () => {
      const t = await harness();
      await t.writeConfig('node_disabled_label.yaml');
      await t.addUpload('fake-image', ['fake-provider']);
      const launcher = await t.start();
      await waitFor(() => launcher.passes >= 2, { what: 'two passes' });
      expect(await t.nodes()).toEqual([]);
      expect(t.servers()).toEqual([]);
    });

    it('launches nothing until an upload is ready, then at once', async () => {
      const t = await harness();
      await t.writeConfig('node.yaml');
      const launcher = await t.start({ timing: { intervalMs: 60_000 } });
      await waitFor(() => launcher.passes >= 1, { what: 'a pass' });
      expect(await t.nodes()).toEqual([]);
      // The ZooKeeper watch wakes the loop; with a 60 s interval only the watch can.
      await t.addUpload('fake-image', ['fake-provider']);
      await t.waitReady({ 'fake-label': 1 }, 20_000);
    });

    it('fills min-ready over two providers', async () => {
      const t = await harness();
      await t.writeConfig('node_two_provider.yaml', (y) =>
        y.replace('min-ready: 1', 'min-ready: 2').replaceAll('max-servers: 96', 'max-servers: 1'),
      );
      await t.addUpload('fake-image', ['fake-provider', 'fake-provider2']);
      await t.start();
      const ready = await t.waitReady({ 'fake-label': 2 });
      expect(ready.map((n) => n.providerName).sort()).toEqual(['fake-provider', 'fake-provider2']);
      await t.waitConsistent();
    });

    it('replaces a node marked for deletion with a new one', async () => {
      const t = await harness();
      await t.writeConfig('node.yaml');
      await t.addUpload('fake-image', ['fake-provider']);
      const launcher = await t.start();
      const [first] = await t.waitReady({ 'fake-label': 1 });
      await t.db.nodes.setState(first!.id, 'delete');
      await launcher.runCron('cleanup');
      const [second] = await waitFor(async () => {
        const ready = await t.waitReady({ 'fake-label': 1 });
        // SQLite reuses the highest id once its row is gone; the server tells them apart.
        return ready[0]!.externalId !== first!.externalId ? ready : null;
      });
      expect(second!.externalId).not.toBe(first!.externalId);
      expect((await t.nodes()).map((n) => stateName(n.state))).toEqual(['ready']);
      await t.waitConsistent();
      expect(t.servers().some((s) => s.id === first!.externalId)).toBe(false);
    });
  });
}
