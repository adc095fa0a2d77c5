/**
 * Builders sharing one ZooKeeper tree: two TypeScript builders, a Python Kazoo client holding
 * the same build lock, and a builder whose ZooKeeper session expires during a build.
 */
import path from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import type { NodePoolBuilder } from '../../../src/builder/index.js';
import { imageBuildLockPath } from '../../../src/zk/index.js';
import { KazooPeer, kazooUnavailableReason } from '../../support/kazoo-peer.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import type { ZooKeeperAddress } from '../../support/zookeeper.js';
import { useBuilderFixture, WAIT_MS } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder coordination tests: ${reason}\n`);
const kazooReason = address === null ? reason : kazooUnavailableReason();
if (kazooReason !== null)
  process.stderr.write(`SKIPPED builder Kazoo interop test: ${kazooReason}\n`);

/** Environment of a slow fake dib (holds the build lock for `seconds`). */
function slowDib(seconds: number): Record<string, string | undefined> {
  return { ...process.env, FAKE_DIB_SLEEP: String(seconds) };
}

async function morePasses(builder: NodePoolBuilder, kind: string, n: number): Promise<void> {
  const passes = (): number[] =>
    (builder.diagnostics() as { workers: Array<{ name: string; passes: number }> }).workers
      .filter((w) => w.name.startsWith(kind))
      .map((w) => w.passes);
  const start = passes();
  await waitFor(() => passes().every((p, i) => p >= (start[i] ?? 0) + n), {
    timeoutMs: WAIT_MS,
    what: `${n} more passes of ${kind}`,
  });
}

/** Ends a session from outside (a second handle joins it and closes it), as Kazoo's tests do. */
async function closeSession(builder: NodePoolBuilder, zk: ZooKeeperAddress): Promise<void> {
  const creds = builder.zooKeeper?.sessionCredentials();
  if (creds == null) throw new Error('builder has no session');
  const other = zookeeper.createClient(`${zk.host}:${zk.port}`, {
    sessionId: creds.id,
    sessionPassword: creds.password,
    sessionTimeout: 4000,
  });
  await new Promise<void>((resolve) => {
    other.once('connected', () => resolve());
    other.connect();
  });
  await new Promise<void>((resolve) => {
    other.once('disconnected', () => resolve());
    other.close();
  });
}

describe.skipIf(address === null)('NodePoolBuilder coordination', () => {
  const fx = useBuilderFixture(address);

  it('builds each image once when two builders share ZooKeeper', async () => {
    await fx.useConfig('node_two_image.yaml');
    const second = await fx.useConfig('node_two_image.yaml', undefined, {
      file: path.join(fx.dir, 'nb2.yaml'),
      imagesDir: path.join(fx.dir, 'images2'),
    });
    const a = await fx.startBuilder({ name: 'nb1', env: slowDib(1), buildWorkers: 2 });
    const b = await fx.startBuilder({
      name: 'nb2',
      env: slowDib(1),
      buildWorkers: 2,
      configPath: second,
    });
    for (const image of ['fake-image', 'fake-image2'])
      await fx.waitForImage('fake-provider', image);
    await morePasses(a.builder, 'BuildWorker', 2);
    await morePasses(b.builder, 'BuildWorker', 2);
    for (const image of ['fake-image', 'fake-image2']) {
      const builds = await fx.images.getBuilds(image);
      expect(builds.map((x) => [x.id, x.state])).toEqual([['0000000001', 'ready']]);
      // Only the builder holding the files uploads it.
      const owner = builds[0]?.builder;
      const dir = owner === 'nb1' ? fx.imagesDir : path.join(fx.dir, 'images2');
      expect(fx.filesOf(image, '0000000001', dir)).toContain(`${image}-0000000001.qcow2`);
    }
  });

  it.skipIf(kazooReason !== null)(
    'does not build an image while a Kazoo client holds its build lock',
    async () => {
      await fx.useConfig('node_two_image.yaml');
      const peer = await KazooPeer.start(`${address?.host}:${address?.port}${fx.zk.chroot.path}`);
      fx.zk.defer(() => peer.stop());
      const lockPath = imageBuildLockPath('fake-image');
      expect(await peer.lock(lockPath, { blocking: false })).toBe(true);
      const { builder } = await fx.startBuilder({ env: slowDib(2) });
      await fx.waitForImage('fake-provider', 'fake-image2');
      await morePasses(builder, 'BuildWorker', 2);
      expect(await fx.images.getBuildIds('fake-image')).toEqual([]);
      expect(await peer.unlock(lockPath)).toBe(true);
      // Now ours: while our dib runs, Kazoo cannot take the lock.
      await waitFor(
        async () => (await fx.images.getBuild('fake-image', '0000000001'))?.state === 'building',
        {
          timeoutMs: WAIT_MS,
          what: 'our build to start',
        },
      );
      expect(await peer.lock(lockPath, { blocking: false })).toBe(false);
      await fx.waitForBuild('fake-image', '0000000001');
      expect(await peer.lock(lockPath, { blocking: true, timeoutSec: 10 })).toBe(true);
      expect(await peer.unlock(lockPath)).toBe(true);
    },
  );

  it('fails a build whose ZooKeeper session expired, then builds again', async () => {
    if (address === null) return;
    const proxy = await TcpProxy.start(address);
    fx.zk.defer(() => proxy.stop());
    await fx.useConfig('node.yaml', undefined, {
      zookeeper: { host: '127.0.0.1', port: proxy.port },
    });
    const { builder, logs } = await fx.startBuilder({ env: slowDib(3), zkSessionTimeoutMs: 4000 });
    await waitFor(
      async () => (await fx.images.getBuild('fake-image', '0000000001'))?.state === 'building',
      {
        timeoutMs: WAIT_MS,
        what: 'the first build to start',
      },
    );
    proxy.pause();
    await closeSession(builder, address);
    proxy.resume();
    await waitFor(() => logs.find('the build was abandoned').length > 0, {
      timeoutMs: WAIT_MS,
      what: 'the build to be abandoned',
    });
    await fx.waitForBuildDeletion('fake-image', '0000000001');
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    expect(u.buildId).not.toBe('0000000001');
    expect(await fx.images.getBuilds('fake-image', { states: ['building', 'failed'] })).toEqual([]);
  });

  it('fails an upload whose ZooKeeper session expired, leaves no cloud image behind, and retries', async () => {
    if (address === null) return;
    const proxy = await TcpProxy.start(address);
    fx.zk.defer(() => proxy.stop());
    await fx.useConfig('node.yaml', undefined, {
      zookeeper: { host: '127.0.0.1', port: proxy.port },
    });
    // Uploaded images stay `saving`, so the upload waits under its lock.
    fx.cloud.setKnobs({ imageSaveDelayMs: 600_000 });
    const { builder } = await fx.startBuilder({ zkSessionTimeoutMs: 4000 });
    // The record names the cloud image as soon as Glance has created it.
    const first = await waitFor(
      async () => {
        const u = await fx.images.getUpload(
          'fake-image',
          '0000000001',
          'fake-provider',
          '0000000001',
        );
        return u?.state === 'uploading' && u.externalId !== null ? u.externalId : null;
      },
      { timeoutMs: WAIT_MS, what: 'the first upload to create its image' },
    );
    proxy.pause();
    await closeSession(builder, address);
    proxy.resume();
    // Removed by the failed upload itself or by cleanup (its lock went with the session).
    await waitFor(() => !fx.cloud.store.images.has(first), {
      timeoutMs: WAIT_MS,
      what: 'the abandoned upload to be cleaned from the cloud',
    });
    fx.cloud.setKnobs({ imageSaveDelayMs: 0 });
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    expect(u.id).not.toBe('0000000001');
    const templates = [...fx.cloud.store.images.values()].filter((i) =>
      i.name?.startsWith('template-'),
    );
    expect(templates.map((i) => i.id)).toEqual([u.externalId]);
  });
});
