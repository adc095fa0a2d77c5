/**
 * Builder end to end against real ZooKeeper, the fake dib and a fake cloud over HTTP:
 * upstream's test_builder cases for builds, uploads, formats and provider/image changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStats } from '../../../src/stats/index.js';
import { StatsdCapture } from '../../support/statsd.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { useBuilderFixture } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder tests: ${reason}\n`);

describe.skipIf(address === null)('NodePoolBuilder builds and uploads', () => {
  const fx = useBuilderFixture(address);

  it('builds an image and uploads it with upstream name, properties and stats', async () => {
    const statsd = await StatsdCapture.start();
    const stats = createStats({ host: '127.0.0.1', port: statsd.port });
    try {
      await fx.useConfig('node.yaml');
      const { logs } = await fx.startBuilder({ stats });
      const build = await fx.waitForBuild('fake-image', '0000000001');
      expect(build).toMatchObject({ state: 'ready', builder: 'nb-test', formats: ['qcow2'] });
      expect(fx.filesOf('fake-image', '0000000001')).toEqual([
        'fake-image-0000000001.d',
        'fake-image-0000000001.qcow2',
        'fake-image-0000000001.qcow2.md5',
        'fake-image-0000000001.qcow2.sha256',
      ]);
      const upload = await fx.waitForImage('fake-provider', 'fake-image');
      expect(upload).toMatchObject({ buildId: '0000000001', id: '0000000001', state: 'ready' });
      expect(upload.externalName).toMatch(/^template-fake-image-\d{10}$/);

      const img = fx.cloud.store.images.get(upload.externalId ?? '');
      expect(img?.name).toBe(upload.externalName);
      expect(img?.diskFormat).toBe('qcow2');
      expect(img?.containerFormat).toBe('bare');
      expect(img?.visibility).toBe('private');
      expect(img?.properties).toMatchObject({
        key: 'value',
        key2: 'value',
        nodepool_build_id: '0000000001',
        nodepool_upload_id: '0000000001',
        'owner_specified.shade.md5': '10da41d43d4bd6d67db763616c18b72f',
        'owner_specified.shade.sha256':
          '0033e9d444953d11689b5fa6a6dba32bf901582f62b0825bc35f593190b1f7dc',
      });

      // dib's command line and environment, as upstream (the fake checks the env-vars).
      const running = logs.find('Running ')[0];
      expect(running?.argv).toEqual([
        expect.stringMatching(/disk-image-create$/),
        '-x',
        '-t',
        'qcow2',
        '--checksum',
        '--no-tmpfs',
        '--qemu-img-options',
        'compat=0.10',
        '-o',
        path.join(fx.imagesDir, 'fake-image-0000000001'),
        'fedora',
        'vm',
      ]);
      const buildLog = path.join(fx.dir, 'logs', 'nb-test', 'fake-image-0000000001.log');
      expect(readFileSync(buildLog, 'utf8')).toContain('*** fake-image-create: done');
      expect(logs.lines.some((l) => l.name === 'nodepool.image.build.fake-image')).toBe(true);

      await statsd.waitForLine('nodepool.image_update.fake-image.fake-provider');
      expect(statsd.linesFor('nodepool.dib_image_build.fake-image.qcow2.size')).toEqual([
        expect.stringMatching(/^nodepool\.dib_image_build\.fake-image\.qcow2\.size:\d+\|g$/),
      ]);
      const update = statsd.linesFor('nodepool.image_update.fake-image.fake-provider');
      expect(update.some((l) => /:\d+\|ms$/.test(l))).toBe(true);
      expect(update.some((l) => /:1\|c$/.test(l))).toBe(true);
    } finally {
      await stats.close();
      await statsd.stop();
    }
  });

  it('uploads one build to two providers', async () => {
    await fx.useConfig('node_two_provider.yaml');
    await fx.startBuilder();
    const a = await fx.waitForImage('fake-provider', 'fake-image');
    const b = await fx.waitForImage('fake-provider2', 'fake-image');
    expect(a.buildId).toBe('0000000001');
    expect(b.buildId).toBe('0000000001');
    expect(a.externalId).not.toBe(b.externalId);
  });

  it('uploads the current build to a provider added to the config', async () => {
    await fx.useConfig('node.yaml');
    await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image');
    await fx.useConfig('node_two_provider.yaml');
    const u = await fx.waitForImage('fake-provider2', 'fake-image');
    expect(u.buildId).toBe('0000000001');
  });

  it('deletes the uploads of a provider whose images were removed, keeping the others', async () => {
    await fx.useConfig('node_two_provider.yaml');
    await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image');
    const gone = await fx.waitForImage('fake-provider2', 'fake-image');
    const kept = await fx.images.getMostRecentUpload('fake-image', 'fake-provider');
    await fx.useConfig('node_two_provider_remove.yaml');
    await fx.waitForImageDeletion('fake-provider2', 'fake-image');
    // The record leaves `ready` (to `deleting`) before the cloud delete call: wait for that.
    expect(gone.externalId).toBeTruthy();
    await waitFor(() => !fx.cloud.store.images.has(gone.externalId ?? ''), {
      what: "the removed provider's cloud image to be deleted",
    });
    const still = await fx.images.getMostRecentUpload('fake-image', 'fake-provider');
    expect(still).toEqual(kept);
  });

  it('builds and uploads an image added to the config', async () => {
    await fx.useConfig('node.yaml');
    await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image');
    await fx.useConfig('node_two_image.yaml');
    await fx.waitForImage('fake-provider', 'fake-image2');
  });

  it('deletes uploads, files and builds of an image removed from the config', async () => {
    await fx.useConfig('node_two_image.yaml');
    await fx.startBuilder();
    await fx.waitForImage('fake-provider', 'fake-image');
    const gone = await fx.waitForImage('fake-provider', 'fake-image2');
    await fx.useConfig('node_two_image_remove.yaml');
    await fx.waitForImageDeletion('fake-provider', 'fake-image2');
    await fx.waitForBuildDeletion('fake-image2', '0000000001');
    expect(fx.cloud.store.images.has(gone.externalId ?? '')).toBe(false);
    expect(await fx.images.getMostRecentUpload('fake-image', 'fake-provider')).not.toBeNull();
  });

  it('builds and uploads a vhd image', async () => {
    await fx.useConfig('node_vhd.yaml');
    const { logs } = await fx.startBuilder();
    const build = await fx.waitForBuild('fake-image', '0000000001');
    expect(build.formats).toEqual(['vhd']);
    const u = await fx.waitForImage('fake-provider', 'fake-image');
    const img = fx.cloud.store.images.get(u.externalId ?? '');
    expect(img?.diskFormat).toBe('vhd');
    expect(img?.containerFormat).toBe('ovf');
    const argv = logs.find('Running ')[0]?.argv as string[];
    expect(argv.slice(1, 6)).toEqual(['-x', '-t', 'vhd', '--checksum', '--no-tmpfs']);
    expect(argv).not.toContain('--qemu-img-options');
  });

  it('builds vhd and qcow2 in one build and uploads each provider its format', async () => {
    await fx.useConfig('node_vhd_and_qcow2.yaml');
    await fx.startBuilder();
    const build = await fx.waitForBuild('fake-image', '0000000001');
    expect(build.formats).toEqual(['qcow2', 'vhd']);
    expect(existsSync(path.join(fx.imagesDir, 'fake-image-0000000001.vhd'))).toBe(true);
    const formats: string[] = [];
    for (const p of ['fake-provider1', 'fake-provider2']) {
      const u = await fx.waitForImage(p, 'fake-image');
      expect(u.buildId).toBe('0000000001');
      formats.push(fx.cloud.store.images.get(u.externalId ?? '')?.diskFormat ?? '');
    }
    expect(formats.sort()).toEqual(['qcow2', 'vhd']);
  });
});
