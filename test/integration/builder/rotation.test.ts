/**
 * Rebuilds, rotation and cleanup (upstream test_builder: rebuild-age, rotation, invalid
 * external name, hard upload failure, failed build cleanup).
 */
import { describe, expect, it } from 'vitest';
import type { ImageBuild } from '../../../src/zk/index.js';
import { withLock } from '../../../src/zk/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { useBuilderFixture } from './helpers.js';
import type { BuilderFixture } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder rotation tests: ${reason}\n`);

/** Moves a build's `state_time` back, under the build lock, as upstream's tests do. */
async function age(fx: BuilderFixture, build: ImageBuild, seconds: number): Promise<void> {
  const lock = fx.images.imageBuildLock(build.image);
  await withLock(lock, { blocking: true, timeoutMs: 10_000 }, async () => {
    await fx.images.storeBuild(
      build.image,
      {
        state: 'ready',
        stateTime: (build.stateTime ?? 0) - seconds,
        builder: build.builder,
        formats: build.formats,
      },
      build.id,
    );
  });
}

describe.skipIf(address === null)('NodePoolBuilder rotation and cleanup', () => {
  const fx = useBuilderFixture(address);

  async function rebuildAge(expire: number) {
    await fx.useConfig('node.yaml');
    await fx.startBuilder();
    const build = await fx.waitForBuild('fake-image', '0000000001');
    const image = await fx.waitForImage('fake-provider', 'fake-image');
    await age(fx, build, expire);
    await fx.waitForBuild('fake-image', '0000000002');
    const image2 = await fx.waitForImage('fake-provider', 'fake-image', [image]);
    expect(image2.buildId).toBe('0000000002');
    expect(await fx.images.getBuilds('fake-image', { states: ['ready'] })).toHaveLength(2);
    return { build, image, image2 };
  }

  it('rebuilds an image once its newest build is older than rebuild-age', async () => {
    const { image } = await rebuildAge(86_400);
    // The previous build and its upload are kept as "previous".
    expect(
      await fx.images.getUpload('fake-image', '0000000001', 'fake-provider', image.id),
    ).toMatchObject({
      state: 'ready',
    });
    expect(fx.cloud.store.images.has(image.externalId ?? '')).toBe(true);
  });

  it('keeps the current and previous builds and deletes the oldest with its cloud image', async () => {
    const { image } = await rebuildAge(172_800);
    const build2 = await fx.waitForBuild('fake-image', '0000000002');
    await age(fx, build2, 86_400);
    await fx.waitForBuildDeletion('fake-image', '0000000001');
    await fx.waitForBuild('fake-image', '0000000003');
    const builds = await fx.images.getBuilds('fake-image', { states: ['ready'] });
    expect(builds.map((b) => b.id)).toEqual(['0000000002', '0000000003']);
    expect(fx.cloud.store.images.has(image.externalId ?? '')).toBe(false);
    expect(await fx.images.getUploadIds('fake-image', '0000000001', 'fake-provider')).toEqual([]);
  });

  it('deletes a rotated build whose upload lost its external name and id', async () => {
    const { image: image1, image2 } = await rebuildAge(172_800);
    const build2 = await fx.waitForBuild('fake-image', '0000000002');
    const [upload] = await fx.images.getUploads('fake-image', '0000000001', 'fake-provider', {
      states: ['ready'],
    });
    expect(upload).toBeDefined();
    const lock = fx.images.imageUploadLock('fake-image', '0000000001', 'fake-provider');
    await withLock(lock, { blocking: true, timeoutMs: 10_000 }, () =>
      fx.images.storeUpload(
        'fake-image',
        '0000000001',
        'fake-provider',
        { state: 'ready', stateTime: upload?.stateTime ?? 0 },
        upload?.id,
      ),
    );
    await age(fx, build2, 86_400);
    await fx.waitForBuildDeletion('fake-image', '0000000001');
    expect(await fx.images.getUploads('fake-image', '0000000001', 'fake-provider')).toEqual([]);
    await fx.waitForBuild('fake-image', '0000000003');
    expect(await fx.images.getBuilds('fake-image', { states: ['ready'] })).toHaveLength(2);
    const image3 = await fx.waitForImage('fake-provider', 'fake-image', [image1, image2]);
    expect(image3.buildId).toBe('0000000003');
  });

  it('removes an uploading record nobody holds the lock of, without a cloud call', async () => {
    await fx.useConfig('node.yaml');
    await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image');
    const lock = fx.images.imageUploadLock('fake-image', '0000000001', 'fake-provider');
    const upnum = await withLock(lock, { blocking: true, timeoutMs: 10_000 }, () =>
      fx.images.storeUpload('fake-image', '0000000001', 'fake-provider', { state: 'uploading' }),
    );
    const deletesBefore = fx.cloud.calls()['image DELETE /v2/images/{id}'] ?? 0;
    await expectEventuallyGone(fx, upnum);
    expect(fx.cloud.calls()['image DELETE /v2/images/{id}'] ?? 0).toBe(deletesBefore);
    // The ready upload of the current build stays.
    expect(await fx.images.getMostRecentUpload('fake-image', 'fake-provider')).not.toBeNull();
  });

  it('marks a failing dib build failed, removes it, and builds again with a good config', async () => {
    await fx.useConfig('node_diskimage_fail.yaml');
    const { logs } = await fx.startBuilder();
    await waitFor(() => logs.find('dib exited with status 127').length > 0, {
      timeoutMs: 30_000,
      what: 'a failed dib run',
    });
    await fx.useConfig('node.yaml');
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    await fx.waitForBuildDeletion('fake-image', '0000000001');
    expect(await fx.images.getBuild('fake-image', u.buildId)).toMatchObject({ state: 'ready' });
    expect(
      await fx.images.getBuilds('fake-image', { states: ['failed', 'building', 'deleting'] }),
    ).toEqual([]);
  });
});

async function expectEventuallyGone(fx: BuilderFixture, uploadId: string): Promise<void> {
  await waitFor(
    async () =>
      !(await fx.images.getUploadIds('fake-image', '0000000001', 'fake-provider')).includes(
        uploadId,
      ),
    { timeoutMs: 30_000, what: `upload record ${uploadId} to be removed` },
  );
}
