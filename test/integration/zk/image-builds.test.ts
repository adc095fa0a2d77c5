import { describe, expect, it } from 'vitest';
import {
  buildWithState,
  ImageBuilds,
  uploadWithState,
  ZooKeeperError,
} from '../../../src/zk/index.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED ImageBuilds tests: ${reason}\n`);

const IMG = 'fake-image';
const BUILDS = `/nodepool/images/${IMG}/builds`;

describe.skipIf(address === null)('ImageBuilds', () => {
  const fx = useZkFixture(address);

  async function store(): Promise<ImageBuilds> {
    return new ImageBuilds(await fx.client());
  }

  it('numbers builds 1, 2, 3 after the build lock took 0, and never reuses a number', async () => {
    const images = await store();
    const lock = images.imageBuildLock(IMG);
    await lock.acquireOrThrow();
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(await images.storeBuild(IMG, { state: 'building', builder: 'nb01' }));
    await lock.release();
    expect(ids).toEqual(['0000000001', '0000000002', '0000000003']);
    expect(await images.deleteBuild(IMG, '0000000001')).toBe(true);
    expect(await images.storeBuild(IMG, { state: 'building', builder: 'nb01' })).toBe('0000000004');
    // The `lock` child is never listed as a build.
    expect((await images.client.getChildren(BUILDS)).sort()).toEqual([
      '0000000002',
      '0000000003',
      '0000000004',
      'lock',
    ]);
    expect(await images.getBuildIds(IMG)).toEqual(['0000000002', '0000000003', '0000000004']);
  });

  it('lays out builds, uploads and their locks as upstream', async () => {
    const images = await store();
    const bid = await images.storeBuild(IMG, {
      state: 'ready',
      stateTime: 100.5,
      builder: 'nb01',
      formats: ['qcow2'],
    });
    const uploadLock = images.imageUploadLock(IMG, bid, 'fake-provider');
    await uploadLock.acquireOrThrow({ blocking: false });
    const uid = await images.storeUpload(IMG, bid, 'fake-provider', {
      state: 'uploading',
      stateTime: 101,
    });
    await uploadLock.release();
    const buildLock = images.imageBuildNumberLock(IMG, bid);
    await buildLock.acquireOrThrow({ blocking: false });
    await buildLock.release();
    expect(uid).toBe('0000000001');
    const zk = images.client;
    expect(await zk.getChildren(`${BUILDS}/${bid}`)).toEqual(
      expect.arrayContaining(['lock', 'providers']),
    );
    expect(
      (await zk.getChildren(`${BUILDS}/${bid}/providers/fake-provider/images`)).sort(),
    ).toEqual([uid, 'lock']);
    expect((await zk.get(`${BUILDS}/${bid}`)).data.toString()).toBe(
      '{"state": "ready", "state_time": 100.5, "builder": "nb01", "formats": "qcow2"}',
    );
    expect(
      (await zk.get(`${BUILDS}/${bid}/providers/fake-provider/images/${uid}`)).data.toString(),
    ).toBe(
      '{"state": "uploading", "state_time": 101.0, "external_id": null, "external_name": null}',
    );
    expect(await images.getBuildProviders(IMG, bid)).toEqual(['fake-provider']);
    expect(await images.getUploadIds(IMG, bid, 'fake-provider')).toEqual([uid]);
    // Every node except records has empty data.
    for (const p of [
      '/nodepool',
      '/nodepool/images',
      `/nodepool/images/${IMG}`,
      BUILDS,
      `${BUILDS}/${bid}/providers`,
    ]) {
      expect((await zk.get(p)).data.length).toBe(0);
    }
  });

  it('reads the record examples of the spec, with unknown keys and missing fields', async () => {
    const images = await store();
    const zk = images.client;
    const examples = [
      '{"state": "building", "state_time": 1484159265.71, "builder": "nb01"}',
      '{"state": "ready", "state_time": 1484160012.35, "builder": "nb01", "formats": "qcow2,vhd"}',
      '{"state": "deleting", "state_time": 1484246400.02, "builder": "nb01", "formats": "qcow2", "builder_id": "x", "username": "zuul"}',
      '{"state": "weird"}',
    ];
    for (const [i, json] of examples.entries()) {
      await zk.create(`${BUILDS}/000000000${i}`, { data: json, makeParents: true });
    }
    const builds = await images.getBuilds(IMG);
    expect(builds.map((b) => [b.state, b.stateTime, b.builder, b.formats])).toEqual([
      ['building', 1484159265.71, 'nb01', []],
      ['ready', 1484160012.35, 'nb01', ['qcow2', 'vhd']],
      ['deleting', 1484246400.02, 'nb01', ['qcow2']],
      ['weird', null, null, []],
    ]);
    expect(builds[2]!.extra).toEqual({ builder_id: 'x', username: 'zuul' });
    // Rewriting keeps builder, formats and unknown keys; only state and time change.
    await images.storeBuild(IMG, buildWithState(builds[2]!, 'deleting', 5), '0000000002');
    expect((await zk.get(`${BUILDS}/0000000002`)).data.toString()).toBe(
      '{"state": "deleting", "state_time": 5.0, "builder": "nb01", "formats": "qcow2", "builder_id": "x", "username": "zuul"}',
    );
    await zk.create(`${BUILDS}/0000000009`, { data: 'not json' });
    await expect(images.getBuild(IMG, '0000000009')).rejects.toThrow(ZooKeeperError);
    await expect(images.getBuild(IMG, '0000000009')).rejects.toThrow(
      `Cannot read record "${BUILDS}/0000000009": invalid JSON`,
    );
  });

  it('orders "most recent" by state_time, not by id', async () => {
    const images = await store();
    const a = await images.storeBuild(IMG, { state: 'ready', stateTime: 300 });
    const b = await images.storeBuild(IMG, { state: 'ready', stateTime: 100 });
    const c = await images.storeBuild(IMG, { state: 'failed', stateTime: 400 });
    const d = await images.storeBuild(IMG, { state: 'ready', stateTime: 200 });
    expect((await images.getMostRecentBuilds(IMG, { state: 'ready' })).map((x) => x.id)).toEqual([
      a,
      d,
      b,
    ]);
    expect(
      (await images.getMostRecentBuilds(IMG, { state: 'ready', count: 2 })).map((x) => x.id),
    ).toEqual([a, d]);
    expect((await images.getMostRecentBuilds(IMG, { count: 1 })).map((x) => x.id)).toEqual([c]);
    expect((await images.getBuilds(IMG, { states: ['failed'] })).map((x) => x.id)).toEqual([c]);
  });

  it('finds the newest ready upload of a provider across all builds, whatever their state', async () => {
    const images = await store();
    expect(await images.getMostRecentUpload(IMG, 'p1')).toBeNull();
    const old = await images.storeBuild(IMG, { state: 'deleting', stateTime: 10 });
    const cur = await images.storeBuild(IMG, { state: 'ready', stateTime: 20 });
    await images.storeUpload(IMG, old, 'p1', {
      state: 'ready',
      stateTime: 50,
      externalId: 'old-image',
    });
    await images.storeUpload(IMG, cur, 'p1', {
      state: 'ready',
      stateTime: 40,
      externalId: 'cur-image',
    });
    await images.storeUpload(IMG, cur, 'p1', { state: 'uploading', stateTime: 60 });
    await images.storeUpload(IMG, cur, 'p2', {
      state: 'ready',
      stateTime: 70,
      externalId: 'p2-image',
    });
    expect((await images.getMostRecentUpload(IMG, 'p1'))?.externalId).toBe('old-image');
    expect((await images.getMostRecentUpload(IMG, 'p1', { state: 'uploading' }))?.stateTime).toBe(
      60,
    );
    expect((await images.getMostRecentBuildUploads(IMG, cur, 'p1')).map((u) => u.state)).toEqual([
      'uploading',
      'ready',
    ]);
    expect(
      (await images.getUploads(IMG, cur, 'p1', { states: ['ready'] })).map((u) => u.externalId),
    ).toEqual(['cur-image']);
  });

  it('keeps external id and name when an upload is marked deleting', async () => {
    const images = await store();
    const bid = await images.storeBuild(IMG, { state: 'ready' });
    const uid = await images.storeUpload(IMG, bid, 'p1', {
      state: 'ready',
      externalId: 'abc',
      externalName: 'template-x-1',
    });
    const up = (await images.getUpload(IMG, bid, 'p1', uid))!;
    await images.storeUpload(IMG, bid, 'p1', uploadWithState(up, 'deleting'), uid, {
      version: up.version,
    });
    expect(await images.getUpload(IMG, bid, 'p1', uid)).toMatchObject({
      state: 'deleting',
      externalId: 'abc',
      externalName: 'template-x-1',
    });
  });

  it('refuses an upload for a build that does not exist', async () => {
    const images = await store();
    await expect(
      images.storeUpload(IMG, '0000000042', 'p1', { state: 'uploading' }),
    ).rejects.toThrow(
      'Cannot store upload: build "0000000042" of image "fake-image" does not exist',
    );
  });

  it('deletes a build only after its uploads are gone', async () => {
    const images = await store();
    const bid = await images.storeBuild(IMG, { state: 'ready' });
    const uid = await images.storeUpload(IMG, bid, 'p1', { state: 'ready' });
    expect(await images.deleteBuild(IMG, bid)).toBe(false);
    expect(await images.getBuild(IMG, bid)).not.toBeNull();
    await images.deleteUpload(IMG, bid, 'p1', uid);
    await images.deleteUpload(IMG, bid, 'p1', uid);
    expect(await images.deleteBuild(IMG, bid)).toBe(true);
    expect(await images.getBuild(IMG, bid)).toBeNull();
    expect(await images.deleteBuild(IMG, bid)).toBe(true);
  });

  it('submits, checks and removes manual build requests', async () => {
    const images = await store();
    expect(await images.hasBuildRequest(IMG)).toBe(false);
    await images.submitBuildRequest(IMG);
    await images.submitBuildRequest(IMG);
    expect(await images.hasBuildRequest(IMG)).toBe(true);
    expect((await images.client.get(`/nodepool/images/${IMG}/request-build`)).data.length).toBe(0);
    await images.removeBuildRequest(IMG);
    await images.removeBuildRequest(IMG);
    expect(await images.hasBuildRequest(IMG)).toBe(false);
    expect(await images.getImageNames()).toEqual([IMG]);
  });
});
