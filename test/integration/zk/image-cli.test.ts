/**
 * The image verbs of the `nodepool` CLI end to end against the real ZooKeeper: upstream's
 * tables and messages, sorted ids, `--json`, one-line errors with a non-zero exit status.
 * The config names no reachable cloud and no database.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageBuilds } from '../../../src/zk/index.js';
import { runCli, runCliChild } from '../../support/nodepool-cli.js';
import type { CliFiles } from '../../support/nodepool-cli.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED image CLI tests: ${reason}\n`);

function nodepoolYaml(host: string, port: number, chroot: string): string {
  return `images-dir: /var/tmp/nodepool-test-images
zookeeper-servers:
  - host: ${host}
    port: ${port}
    chroot: ${chroot}
labels:
  - name: fake-label
    image: fake-image
    min-ready: 0
    providers:
      - name: fake-provider
providers:
  - name: fake-provider
    region-name: fake-region
    username: fake
    password: fake
    auth-url: fake
    project-id: fake
    max-servers: 2
    images:
      - name: fake-image
        min-ram: 8192
targets:
  - name: fake-target
diskimages:
  - name: fake-image
    elements: [fedora, vm]
  - name: paused-image
    pause: true
`;
}

// 2017-01-11 19:00:00 UTC, so that ages are fixed.
const NOW_MS = 1484161200_000;

describe.skipIf(address === null)('nodepool image verbs', () => {
  const fx = useZkFixture(address);
  let dir = '';
  let files: CliFiles;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-image-cli-'));
    files = {
      configPath: path.join(dir, 'nodepool.yaml'),
      securePath: path.join(dir, 'secure.conf'),
    };
    await writeFile(files.configPath, nodepoolYaml(address!.host, address!.port, fx.chroot.path));
    await writeFile(files.securePath, '');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function seed(): Promise<ImageBuilds> {
    const images = new ImageBuilds(await fx.client());
    // Ids created out of order on purpose (3 before 1 in the child listing is possible).
    await images.client.create('/nodepool/images/fake-image/builds/0000000003', {
      data: '{"state": "building", "state_time": 1484161195.2, "builder": "nb01"}',
      makeParents: true,
    });
    await images.client.create('/nodepool/images/fake-image/builds/0000000001', {
      data: '{"state": "ready", "state_time": 1484157477.0, "builder": "nb01", "formats": "qcow2,vhd"}',
    });
    await images.client.create('/nodepool/images/fake-image/builds/lock');
    await images.storeUpload('fake-image', '0000000001', 'fake-provider', {
      state: 'ready',
      stateTime: 1484160600,
      externalId: 'a1b2',
      externalName: 'template-fake-image-1484159265',
    });
    await images.storeUpload('fake-image', '0000000001', 'fake-provider', {
      state: 'uploading',
      stateTime: 1484161193,
    });
    return images;
  }

  it('lists builds with dib-image-list, ids ascending', async () => {
    await seed();
    const r = await runCli(files, ['dib-image-list'], { nowMs: NOW_MS });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '+-----------------------+------------+---------+-----------+----------+-------------+',
        '| ID                    | Image      | Builder | Formats   | State    | Age         |',
        '+-----------------------+------------+---------+-----------+----------+-------------+',
        '| fake-image-0000000001 | fake-image | nb01    | qcow2,vhd | ready    | 00:01:02:03 |',
        '| fake-image-0000000003 | fake-image | nb01    |           | building | 00:00:00:04 |',
        '+-----------------------+------------+---------+-----------+----------+-------------+',
        '',
      ].join('\n'),
    );
  });

  it('prints the empty frame when there are no builds', async () => {
    const r = await runCli(files, ['dib-image-list']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '+----+-------+---------+---------+-------+-----+',
        '| ID | Image | Builder | Formats | State | Age |',
        '+----+-------+---------+---------+-------+-----+',
        '+----+-------+---------+---------+-------+-----+',
        '',
      ].join('\n'),
    );
  });

  it('lists uploads with image-list', async () => {
    await seed();
    const r = await runCli(files, ['image-list'], { nowMs: NOW_MS });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        '+------------+------------+---------------+------------+--------------------------------+-------------------+-----------+-------------+',
        '| Build ID   | Upload ID  | Provider      | Image      | Provider Image Name            | Provider Image ID | State     | Age         |',
        '+------------+------------+---------------+------------+--------------------------------+-------------------+-----------+-------------+',
        '| 0000000001 | 0000000000 | fake-provider | fake-image | template-fake-image-1484159265 | a1b2              | ready     | 00:00:10:00 |',
        '| 0000000001 | 0000000001 | fake-provider | fake-image | None                           | None              | uploading | 00:00:00:07 |',
        '+------------+------------+---------------+------------+--------------------------------+-------------------+-----------+-------------+',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON with --json', async () => {
    await seed();
    const builds = await runCli(files, ['dib-image-list', '--json'], { nowMs: NOW_MS });
    expect(JSON.parse(builds.stdout)).toEqual([
      {
        id: 'fake-image-0000000001',
        image: 'fake-image',
        buildId: '0000000001',
        builder: 'nb01',
        formats: ['qcow2', 'vhd'],
        state: 'ready',
        stateTime: 1484157477,
        age: '00:01:02:03',
      },
      {
        id: 'fake-image-0000000003',
        image: 'fake-image',
        buildId: '0000000003',
        builder: 'nb01',
        formats: [],
        state: 'building',
        stateTime: 1484161195.2,
        age: '00:00:00:04',
      },
    ]);
    const uploads = await runCli(files, ['image-list', '--json'], { nowMs: NOW_MS });
    expect(JSON.parse(uploads.stdout)).toEqual([
      expect.objectContaining({
        buildId: '0000000001',
        uploadId: '0000000000',
        externalId: 'a1b2',
        state: 'ready',
      }),
      expect.objectContaining({
        uploadId: '0000000001',
        externalName: null,
        state: 'uploading',
        age: '00:00:00:07',
      }),
    ]);
  });

  it('requests a build with image-build, and refuses unknown or paused images', async () => {
    const images = new ImageBuilds(await fx.client());
    const ok = await runCli(files, ['image-build', 'fake-image']);
    expect(ok).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await images.hasBuildRequest('fake-image')).toBe(true);

    const unknown = await runCli(files, ['image-build', 'nope']);
    expect(unknown).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Trying to build a non disk-image-builder image: nope\n',
    });
    const paused = await runCli(files, ['image-build', 'paused-image']);
    expect(paused).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Skipping build request for image paused-image; paused\n',
    });
    expect(await images.hasBuildRequest('paused-image')).toBe(false);
  });

  it('marks a build deleting with dib-image-delete, keeping its fields', async () => {
    const images = await seed();
    const r = await runCli(files, ['dib-image-delete', 'fake-image-0000000001']);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    const b = await images.getBuild('fake-image', '0000000001');
    expect(b).toMatchObject({ state: 'deleting', builder: 'nb01', formats: ['qcow2', 'vhd'] });
    expect(b!.stateTime).toBeGreaterThan(1484157477);

    expect(await runCli(files, ['dib-image-delete', 'fake-image-0000000003'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Cannot delete a build in progress\n',
    });
    expect(await runCli(files, ['dib-image-delete', 'fake-image-0000000042'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Build fake-image-0000000042 not found\n',
    });
    const invalid = await runCli(files, ['dib-image-delete', 'nodash']);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toBe(
      'Invalid build id: expected IMAGE-BUILD_ID: current value is "nodash"\n',
    );
  });

  it('marks an upload deleting with image-delete, keeping external id and name', async () => {
    const images = await seed();
    const args = [
      'image-delete',
      '--provider',
      'fake-provider',
      '--image',
      'fake-image',
      '--build-id',
      '0000000001',
    ];
    expect(await runCli(files, [...args, '--upload-id', '0000000000'])).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
    expect(
      await images.getUpload('fake-image', '0000000001', 'fake-provider', '0000000000'),
    ).toMatchObject({
      state: 'deleting',
      externalId: 'a1b2',
      externalName: 'template-fake-image-1484159265',
    });
    expect(await runCli(files, [...args, '--upload-id', '0000000001'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Cannot delete because image upload in progress\n',
    });
    expect(await runCli(files, [...args, '--upload-id', '0000000009'])).toEqual({
      status: 1,
      stdout: '',
      stderr:
        'Image upload not found: upload ids of build 0000000001 of image "fake-image" in provider "fake-provider" are 0000000000, 0000000001\n',
    });
    // Unpadded ids, as an operator types them.
    const unpadded = ['image-delete', '--provider', 'fake-provider', '--image', 'fake-image'];
    expect(await runCli(files, [...unpadded, '--build-id', '1', '--upload-id', '1'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'Cannot delete because image upload in progress\n',
    });
    expect(await runCli(files, [...unpadded, '--build-id', '7', '--upload-id', '0'])).toEqual({
      status: 1,
      stdout: '',
      stderr:
        'Image upload not found: build ids of image "fake-image" are 0000000001, 0000000003\n',
    });
    const missing = await runCli(files, args);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("required option '--upload-id <upload-id>' not specified");
  });

  it('runs as a child process and exits once the session is closed', async () => {
    await seed();
    const r = await runCliChild(files, ['dib-image-list']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      '| fake-image-0000000001 | fake-image | nb01    | qcow2,vhd | ready    |',
    );
  });

  it('fails with a config error when no zookeeper-servers are configured', async () => {
    await writeFile(
      files.configPath,
      nodepoolYaml(address!.host, address!.port, fx.chroot.path).replace(
        /zookeeper-servers:\n(  .*\n)+/,
        '',
      ),
    );
    const r = await runCli(files, ['image-list']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^zookeeper-servers: is required by this command: add at least one server \(/,
    );
  });
});
