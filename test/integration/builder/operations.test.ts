/**
 * Upload failures and retries, pausing builds and uploads, and the operator actions the
 * builder carries out (image-build requests, dib-image-delete and image-delete marks).
 */
import { describe, expect, it } from 'vitest';
import type { NodePoolBuilder } from '../../../src/builder/index.js';
import { buildWithState, uploadWithState } from '../../../src/zk/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { useBuilderFixture, WAIT_MS } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder operation tests: ${reason}\n`);

/** Waits until every worker of `kind` has finished `n` more passes. */
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

describe.skipIf(address === null)('NodePoolBuilder operations', () => {
  const fx = useBuilderFixture(address);

  it('records each failed upload, backs off, and succeeds once the cloud accepts it', async () => {
    await fx.useConfig('node.yaml');
    fx.cloud.failNext('upload', 2);
    const { logs } = await fx.startBuilder({
      intervals: { buildMs: 200, uploadMs: 200, cleanupMs: 3_600_000 },
    });
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    // The upload lock took sequence number 0; attempts 1 and 2 failed.
    expect(u.id).toBe('0000000003');
    // Cleanup may already have removed the failed records of the current build (port rule).
    const failed = await fx.images.getUploadIds('fake-image', '0000000001', 'fake-provider');
    expect(
      failed.filter((id) => id !== u.id).every((id) => ['0000000001', '0000000002'].includes(id)),
    ).toBe(true);
    expect(logs.find('Failed to upload image fake-image to provider fake-provider')).toHaveLength(
      2,
    );
    expect(logs.find('Next upload of fake-image to fake-provider in')).toHaveLength(2);
  });

  it('deletes failed upload records of current builds during cleanup', async () => {
    await fx.useConfig('node.yaml');
    fx.cloud.failNext('upload', 1);
    await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image');
    await waitFor(
      async () =>
        (await fx.images.getUploadIds('fake-image', '0000000001', 'fake-provider')).length === 1,
      { timeoutMs: WAIT_MS, what: 'the failed upload record to be cleaned up' },
    );
  });

  it('never uploads to a provider that rejects the image, while others get it', async () => {
    await fx.useConfig('node_upload_fail.yaml');
    const { logs } = await fx.startBuilder();
    const ok = await fx.waitForImage('fake-provider2', 'fake-image');
    expect(ok.buildId).toBe('0000000001');
    await waitFor(
      () => logs.find('Failed to upload image fake-image to provider fake-provider1').length >= 2,
      {
        timeoutMs: WAIT_MS,
        what: 'repeated upload failures',
      },
    );
    expect(await fx.images.getMostRecentUpload('fake-image', 'fake-provider1')).toBeNull();
  });

  it('does not build a paused diskimage, even on request', async () => {
    await fx.useConfig('node_diskimage_pause.yaml');
    const { builder } = await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image2');
    await fx.images.submitBuildRequest('fake-image');
    await morePasses(builder, 'BuildWorker', 3);
    expect(await fx.images.getBuildIds('fake-image')).toEqual([]);
    expect(await fx.images.hasBuildRequest('fake-image')).toBe(true);
  });

  it('builds but does not upload an image paused in its provider', async () => {
    await fx.useConfig('node_image_upload_pause.yaml');
    const { builder } = await fx.startBuilder();
    await fx.waitForBuild('fake-image', '0000000001');
    await fx.waitForImage('fake-provider', 'fake-image2');
    await morePasses(builder, 'UploadWorker', 3);
    expect(await fx.images.getBuildProviders('fake-image', '0000000001')).toEqual([]);
  });

  it('builds on an image-build request and removes the request', async () => {
    await fx.useConfig('node.yaml');
    await fx.startBuilder({ intervals: { buildMs: 3_600_000, uploadMs: 200, cleanupMs: 300 } });
    await fx.waitForBuild('fake-image', '0000000001');
    // The long interval leaves only the request watch to start the next build.
    await fx.images.submitBuildRequest('fake-image');
    await fx.waitForBuild('fake-image', '0000000002');
    await waitFor(async () => !(await fx.images.hasBuildRequest('fake-image')), {
      timeoutMs: WAIT_MS,
      what: 'the request to be removed',
    });
  });

  it('carries out dib-image-delete: uploads, files and record go, and a new build follows', async () => {
    await fx.useConfig('node.yaml');
    await fx.startBuilder();
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    const build = await fx.waitForBuild('fake-image', '0000000001');
    await fx.images.storeBuild('fake-image', buildWithState(build, 'deleting'), build.id);
    await fx.waitForBuildDeletion('fake-image', '0000000001');
    expect(fx.cloud.store.images.has(u.externalId ?? '')).toBe(false);
    const next = await fx.waitForImage('fake-provider', 'fake-image', [u]);
    expect(next.buildId).toBe('0000000002');
  });

  it('carries out image-delete and uploads the newest build again', async () => {
    await fx.useConfig('node.yaml');
    await fx.startBuilder();
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    await fx.images.storeUpload(
      'fake-image',
      u.buildId,
      'fake-provider',
      uploadWithState(u, 'deleting'),
      u.id,
    );
    const again = await fx.waitForImage('fake-provider', 'fake-image', [u]);
    expect(again.buildId).toBe(u.buildId);
    expect(again.id).not.toBe(u.id);
    await waitFor(
      async () =>
        (await fx.images.getUpload('fake-image', u.buildId, 'fake-provider', u.id)) === null,
      {
        timeoutMs: WAIT_MS,
        what: 'the deleted upload record to go',
      },
    );
    expect(fx.cloud.store.images.has(u.externalId ?? '')).toBe(false);
  });
});
