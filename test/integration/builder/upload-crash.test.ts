/**
 * A builder killed (SIGKILL) in the middle of an upload must not leak the cloud image: the
 * upload record carries the image's name before it exists and its id from the moment the
 * cloud creates it, and the cleanup of the abandoned `uploading` record (after a restart on
 * the same ZooKeeper tree) deletes that image. Found by the kill-builder chaos scenario.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UploadDeleter } from '../../../src/builder/upload-deleter.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/index.js';
import { ProviderSet } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import type { ImageUpload } from '../../../src/zk/index.js';
import { fakeCloudDrivers } from '../../support/fake-drivers.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { FAKE_DIB, useBuilderFixture } from './helpers.js';
import type { BuilderFixture } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const IMAGE = 'crash-image';
const PROVIDER = 'crash';
/** The killed builder's ZooKeeper session must expire (10 s) before cleanup acts. */
const SETTLE_MS = 60_000;

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder upload crash tests: ${reason}\n`);

/** Writes nodepool.yaml and clouds.yaml (provider `crash` → the fixture's fake cloud). */
async function writeConfig(fx: BuilderFixture): Promise<void> {
  const zk = address ?? { host: '127.0.0.1', port: 2181 };
  const lines = [
    'elements-dir: .',
    `images-dir: ${fx.imagesDir}`,
    'zookeeper-servers:',
    `  - host: ${zk.host}`,
    `    port: ${zk.port}`,
    `    chroot: ${fx.zk.chroot.path}`,
    'labels: []',
    'providers:',
    `  - name: ${PROVIDER}`,
    `    cloud: ${PROVIDER}`,
    '    max-servers: 1',
    '    images:',
    `      - name: ${IMAGE}`,
    '        min-ram: 512',
    'targets:',
    '  - name: crash-target',
    'diskimages:',
    `  - name: ${IMAGE}`,
    '    elements: [fedora, vm]',
    '    release: 21',
    '    env-vars:',
    '      TMPDIR: /opt/dib_tmp',
    '      DIB_IMAGE_CACHE: /opt/dib_cache',
    '      DIB_CLOUD_IMAGES: http://download.fedoraproject.org/pub/fedora/linux/releases/test/21-Beta/Cloud/Images/x86_64/',
    '      BASE_IMAGE_FILE: Fedora-Cloud-Base-20141029-21_Beta.x86_64.qcow2',
    "      FAKE_DIB_SLEEP: '0'",
    '',
  ];
  await writeFile(fx.configPath, lines.join('\n'));
  await writeFile(path.join(fx.dir, 'clouds.yaml'), fx.cloud.cloudsYaml(PROVIDER));
}

/** `nodepool-builder -d` from the sources (as the chaos scenarios run it). */
function spawnBuilder(fx: BuilderFixture): {
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
} {
  const loader = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const entry = path.join(ROOT, 'src/cmd/nodepool-builder-main.ts');
  const child = spawn(
    process.execPath,
    ['--import', loader, entry, '-d', '-c', fx.configPath, '--upload-workers', '1'],
    {
      cwd: fx.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        OS_CLIENT_CONFIG_FILE: path.join(fx.dir, 'clouds.yaml'),
        NODEPOOL_DIB_CMD: FAKE_DIB,
        NODEPOOL_BUILD_LOG_DIR: path.join(fx.dir, 'build-logs'),
      },
    },
  );
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never outlives the test, whatever happens.
  fx.zk.defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited, output: () => Buffer.concat(chunks).toString('utf8').slice(-6000) };
}

/** Every upload record of the image. */
async function uploads(fx: BuilderFixture): Promise<ImageUpload[]> {
  const out: ImageUpload[] = [];
  for (const b of await fx.images.getBuilds(IMAGE)) {
    out.push(...(await fx.images.getUploads(IMAGE, b.id, PROVIDER)));
  }
  return out;
}

/** Ids of the cloud images nodepool uploaded (the seeded ones have no build id). */
function uploadedImages(fx: BuilderFixture): string[] {
  return [...fx.cloud.store.images.values()]
    .filter((i) => i.properties.nodepool_build_id !== undefined)
    .map((i) => i.id)
    .sort();
}

describe.skipIf(address === null)('NodePoolBuilder killed during an upload', () => {
  const fx = useBuilderFixture(address);

  it('deletes the half-made cloud image after a restart, so records name every image', async () => {
    await writeConfig(fx);
    // The image stays `saving` long after its data was sent: the kill lands in that wait.
    fx.cloud.setKnobs({ imageSaveDelayMs: 600_000 });
    const first = spawnBuilder(fx);
    const inFlight = await waitFor(
      async () => (await uploads(fx)).find((u) => u.state === 'uploading' && u.externalId !== null),
      { timeoutMs: SETTLE_MS, intervalMs: 50, what: 'an uploading record with its image id' },
    ).catch((err: unknown) => {
      throw new Error(`No upload in flight; builder output:\n${first.output()}`, { cause: err });
    });
    expect(uploadedImages(fx)).toEqual([inFlight.externalId]);
    first.child.kill('SIGKILL');
    await first.exited;

    fx.cloud.setKnobs({ imageSaveDelayMs: 0 });
    const second = spawnBuilder(fx);
    const settled = await waitFor(
      async () => {
        const all = await uploads(fx);
        const named = all.map((u) => u.externalId).sort();
        const isSettled =
          all.some((u) => u.state === 'ready') &&
          all.every((u) => u.state === 'ready') &&
          JSON.stringify(named) === JSON.stringify(uploadedImages(fx));
        return isSettled ? all : null;
      },
      { timeoutMs: SETTLE_MS, intervalMs: 200, what: 'records to name exactly the cloud images' },
    ).catch((err: unknown) => {
      throw new Error(`Not settled; builder output:\n${second.output()}`, { cause: err });
    });
    expect(fx.cloud.store.images.has(inFlight.externalId ?? '')).toBe(false);
    expect(settled.map((u) => u.id)).not.toContain(inFlight.id);
    second.child.kill('SIGINT');
    await second.exited;
  }, 200_000);

  it('deletes the image of an abandoned upload found by name when its id was never recorded', async () => {
    await fx.useConfig('node.yaml');
    const config = await loadConfig(fx.configPath);
    const log = createLogger({ level: 'silent' });
    const providers = new ProviderSet(
      { log, stats: createNoopStats() },
      { registry: fakeCloudDrivers(fx.cloud) },
    );
    fx.zk.defer(() => providers.stop());
    await providers.reconfigure(config.providers);
    const cloud = providers.get('fake-provider');
    if (cloud?.uploadImage === undefined) throw new Error('fake-provider cannot upload');
    const file = path.join(fx.dir, 'image.qcow2');
    await writeFile(file, 'not really an image');

    const buildId = await fx.images.storeBuild('fake-image', {
      state: 'ready',
      formats: ['qcow2'],
    });
    const name = 'template-fake-image-1700000000';
    const uploadId = await fx.images.storeUpload('fake-image', buildId, 'fake-provider', {
      state: 'uploading',
      externalName: name,
    });
    const upload = (nodepool_upload_id: string) =>
      cloud.uploadImage!({
        name,
        filename: file,
        diskFormat: 'qcow2',
        properties: { nodepool_build_id: buildId, nodepool_upload_id },
      });
    const mine = await upload(uploadId);
    const another = await upload('0000000099');

    const u = await fx.images.getUpload('fake-image', buildId, 'fake-provider', uploadId);
    if (u === null) throw new Error('upload record missing');
    const deleter = new UploadDeleter({ images: fx.images, providers, log });
    expect(await deleter.removeIfAbandoned(u, new AbortController().signal)).toBe(true);
    expect(await cloud.getImage(mine.id)).toBeNull();
    expect(await cloud.getImage(another.id)).not.toBeNull();
    expect(await fx.images.getUpload('fake-image', buildId, 'fake-provider', uploadId)).toBeNull();
  });
});
