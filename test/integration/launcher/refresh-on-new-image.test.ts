/**
 * `refresh-on-new-image` and `max-ready-age` end to end: the launcher service against the fake cloud
 * over HTTP, ZooKeeper and SQLite. A newer upload (another cloud image) replaces both ready
 * nodes one at a time, the label sampled at ready >= min-ready throughout; the server's
 * image id comes from Nova's server list. With a 2 s `max-ready-age`, the nodes are
 * renewed over and over, never below min-ready either.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
const sqlite = inject('sqlBackends').find((b) => b.name === 'sqlite' && b.available);
if (zk.address === null) process.stderr.write(`SKIPPED refresh-on-new-image e2e: ${zk.reason}\n`);

describe.skipIf(zk.address === null || sqlite === undefined)('ready-node refresh', () => {
  let h: LauncherHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('replaces nodes of the old image after a new upload, never below min-ready', async () => {
    const t = (h = await LauncherHarness.create({
      backend: sqlite!,
      zookeeper: zk.address!,
      cloud: { buildDelayMs: 300 },
    }));
    await t.writeConfig('node.yaml', (y) =>
      y.replace('    min-ready: 1\n', '    min-ready: 2\n    refresh-on-new-image: true\n'),
    );
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    const first = await t.waitReady({ 'fake-label': 2 });
    const old = t.cloud.snapshot().images[0]!;
    const imageOf = (serverId: string | null): string | undefined =>
      t.cloud.store.servers.get(serverId ?? '')?.imageId;
    expect(first.map((n) => imageOf(n.externalId))).toEqual([old.id, old.id]);

    // The builder finishes a newer image: another cloud image, a newer build and upload.
    const owner = t.cloud.store.images.get(old.id)!.owner;
    const next = t.cloud.store.newImage(owner, {
      name: 'Fake Precise v2',
      status: 'active',
      visibility: 'public',
    });
    let lowest = Infinity;
    let samples = 0;
    const sampler = setInterval(() => {
      void t.db.nodes.count({ state: 'ready', label: 'fake-label' }).then((n) => {
        lowest = Math.min(lowest, n);
        samples++;
      });
    }, 20);
    try {
      const build = await t.images.storeBuild('fake-image', {
        state: 'ready',
        builder: 'test',
        formats: ['qcow2'],
      });
      await t.images.storeUpload('fake-image', build, 'fake-provider', {
        state: 'ready',
        externalId: next.id,
        externalName: 'Fake Precise v2',
      });
      await waitFor(
        async () => {
          const nodes = await t.nodes();
          return (
            nodes.length === 2 &&
            nodes.every((n) => stateName(n.state) === 'ready' && imageOf(n.externalId) === next.id)
          );
        },
        { timeoutMs: 30_000, what: 'two ready nodes of the new image', intervalMs: 100 },
      );
    } finally {
      clearInterval(sampler);
    }
    expect(samples).toBeGreaterThan(10);
    expect(lowest).toBeGreaterThanOrEqual(2);
    const now = await t.nodes();
    expect(now.map((n) => n.id).some((id) => first.some((f) => f.id === id))).toBe(false);
    await t.waitConsistent();
  });

  it('max-ready-age renews old ready nodes one at a time, never below min-ready', async () => {
    const t = (h = await LauncherHarness.create({
      backend: sqlite!,
      zookeeper: zk.address!,
      cloud: { buildDelayMs: 300 },
    }));
    await t.writeConfig('node.yaml', (y) =>
      y.replace('    min-ready: 1\n', '    min-ready: 2\n    max-ready-age: 2\n'),
    );
    await t.addUpload('fake-image', ['fake-provider']);
    await t.start();
    const first = await t.waitReady({ 'fake-label': 2 });
    let lowest = Infinity;
    let mostBuilding = 0;
    const seen = new Set<number>();
    const started = Date.now();
    while (Date.now() - started < 9000) {
      const nodes = (await t.nodes()).filter((n) => n.labelName === 'fake-label');
      const ready = nodes.filter((n) => stateName(n.state) === 'ready');
      lowest = Math.min(lowest, ready.length);
      mostBuilding = Math.max(
        mostBuilding,
        nodes.filter((n) => stateName(n.state) === 'building').length,
      );
      for (const n of nodes) seen.add(n.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lowest).toBeGreaterThanOrEqual(2);
    expect(mostBuilding).toBe(1);
    // Both first nodes were replaced, and some replacements too.
    const now = await t.waitReady({ 'fake-label': 2 }).catch(() => t.nodes());
    expect(now.some((n) => first.some((f) => f.id === n.id))).toBe(false);
    expect(seen.size).toBeGreaterThanOrEqual(5);
  });
});
