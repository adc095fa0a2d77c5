/**
 * Interop with a real Kazoo client (Debian's python3-kazoo): the same lock on the same tree
 * excludes both ways, and records written the way Python Nodepool writes them read back.
 */
import { describe, expect, it } from 'vitest';
import {
  ImageBuilds,
  imageBuildLockPath,
  imageUploadLockPath,
  ZkLock,
} from '../../../src/zk/index.js';
import { KazooPeer, kazooUnavailableReason } from '../../support/kazoo-peer.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { waitFor } from '../../support/wait-for.js';

const { address, reason: zkReason } = sharedZooKeeper();
const reason = address === null ? zkReason : kazooUnavailableReason();
if (reason !== null && reason !== '')
  process.stderr.write(`SKIPPED Kazoo interop tests: ${reason}\n`);

describe.skipIf(reason !== null && reason !== '')('Kazoo interop', () => {
  const fx = useZkFixture(address);

  async function peer(): Promise<KazooPeer> {
    const p = await KazooPeer.start(`${address!.host}:${address!.port}${fx.chroot.path}`);
    fx.defer(() => p.stop());
    return p;
  }

  const LOCK = imageBuildLockPath('fake-image');

  it('cannot take a lock Kazoo holds, and gets it after Kazoo releases', async () => {
    const zk = await fx.client();
    const kazoo = await peer();
    expect(await kazoo.lock(LOCK)).toBe(true);
    const kazooNode = await kazoo.node(LOCK);
    expect(kazooNode).toMatch(/^[0-9a-f]{32}__lock__\d{10}$/);

    const ours = new ZkLock(zk, LOCK);
    expect(await ours.acquire({ blocking: false })).toBe(false);
    await expect(ours.acquire({ timeoutMs: 500 })).rejects.toMatchObject({
      code: 'ERR_ZK_LOCK_TIMEOUT',
    });
    expect(await zk.getChildren(LOCK)).toEqual([kazooNode]);

    const waiting = ours.acquire({ timeoutMs: 20_000 });
    await waitFor(async () => (await zk.getChildren(LOCK)).length === 2);
    expect(ours.isAcquired).toBe(false);
    expect(await kazoo.unlock(LOCK)).toBe(true);
    expect(await waiting).toBe(true);
    await ours.release();
  });

  it('keeps Kazoo out while we hold the lock, and Kazoo gets it after we release', async () => {
    const zk = await fx.client();
    const kazoo = await peer();
    const path = imageUploadLockPath('fake-image', '0000000001', 'fake-provider');
    const ours = new ZkLock(zk, path);
    expect(await ours.acquire()).toBe(true);

    expect(await kazoo.lock(path, { blocking: false })).toBe(false);
    expect(await kazoo.lock(path, { timeoutSec: 0.5 })).toBe('timeout');
    // Kazoo cleaned up its contenders: only ours is left.
    expect(await zk.getChildren(path)).toEqual([ours.nodeName]);

    const kazooWaiting = kazoo.lock(path, { timeoutSec: 20 });
    await waitFor(async () => (await zk.getChildren(path)).length === 2);
    await ours.release();
    expect(await kazooWaiting).toBe(true);
    // And now we are kept out again.
    expect(await new ZkLock(zk, path).acquire({ blocking: false })).toBe(false);
    expect(await kazoo.unlock(path)).toBe(true);
  });

  it('reads builds and uploads created by Kazoo the way nodepool 0.4.0 stores them', async () => {
    const zk = await fx.client();
    const kazoo = await peer();
    const images = new ImageBuilds(zk);
    // 0.4.0 takes the build lock first (creating the `lock` child, sequence 0).
    expect(await kazoo.lock(LOCK)).toBe(true);
    const built = await kazoo.createSequential(
      '/nodepool/images/fake-image/builds/',
      '{"state": "ready", "state_time": 1484160012.35, "builder": "nb01", "formats": "qcow2,vhd"}',
    );
    expect(built).toBe('/nodepool/images/fake-image/builds/0000000001');
    await kazoo.unlock(LOCK);
    const up = await kazoo.createSequential(
      '/nodepool/images/fake-image/builds/0000000001/providers/fake-provider/images/',
      '{"state": "ready", "state_time": 1484160311.9, "external_id": "8d1c", "external_name": "template-fake-image-1484160020"}',
    );
    expect(up).toBe(
      '/nodepool/images/fake-image/builds/0000000001/providers/fake-provider/images/0000000000',
    );

    expect(await images.getBuildIds('fake-image')).toEqual(['0000000001']);
    expect(await images.getBuild('fake-image', '0000000001')).toMatchObject({
      image: 'fake-image',
      id: '0000000001',
      state: 'ready',
      stateTime: 1484160012.35,
      builder: 'nb01',
      formats: ['qcow2', 'vhd'],
      extra: {},
    });
    expect(await images.getMostRecentUpload('fake-image', 'fake-provider')).toMatchObject({
      id: '0000000000',
      buildId: '0000000001',
      provider: 'fake-provider',
      externalId: '8d1c',
      externalName: 'template-fake-image-1484160020',
      stateTime: 1484160311.9,
    });
  });

  it('writes records Python reads back as nodepool 0.4.0 does', async () => {
    const zk = await fx.client();
    const kazoo = await peer();
    const images = new ImageBuilds(zk);
    const bid = await images.storeBuild('fake-image', {
      state: 'ready',
      stateTime: 1484160012,
      builder: 'nb01',
      formats: ['qcow2', 'vhd'],
    });
    const text = await kazoo.get(`/nodepool/images/fake-image/builds/${bid}`);
    expect(text).toBe(
      '{"state": "ready", "state_time": 1484160012.0, "builder": "nb01", "formats": "qcow2,vhd"}',
    );
    const parsed = JSON.parse(text);
    expect(parsed.formats.split(',')).toEqual(['qcow2', 'vhd']);
  });

  it('writes bytes identical to what Python json.dumps produces for the same record', async () => {
    const zk = await fx.client();
    const kazoo = await peer();
    const images = new ImageBuilds(zk);
    const cases = [
      { state: 'building' as const, stateTime: 1484159265.718226, builder: 'nb01' },
      {
        state: 'deleting' as const,
        stateTime: 1484246400,
        builder: 'bäuer-☃-😀',
        formats: ['qcow2'],
      },
      { state: 'failed' as const, stateTime: 0.00001, builder: 'tab\there "quoted"\u0001' },
      {
        state: 'ready' as const,
        stateTime: 1e16,
        extra: { builder_id: 'abc', username: null, n: 3, f: 2.5 },
      },
    ];
    for (const c of cases) {
      const bid = await images.storeBuild('py-image', c);
      const znode = `/nodepool/images/py-image/builds/${bid}`;
      const ours = (await zk.get(znode)).data.toString('utf8');
      expect(ours).toBe(await kazoo.redump(znode));
    }
    const bid = await images.storeBuild('py-image', { state: 'ready', builder: 'nb01' });
    for (const u of [
      { state: 'uploading' as const, stateTime: 1484160020.1 },
      {
        state: 'ready' as const,
        stateTime: 1484160311.9,
        externalId: '8d1c-e2',
        externalName: 'template-py-image-1484160020',
      },
    ]) {
      const uid = await images.storeUpload('py-image', bid, 'fake-provider', u);
      const znode = `/nodepool/images/py-image/builds/${bid}/providers/fake-provider/images/${uid}`;
      const ours = (await zk.get(znode)).data.toString('utf8');
      expect(ours).toBe(await kazoo.redump(znode));
    }
  });
});
