/**
 * Upload workers and the cleanup worker racing on the same (build, provider): found by the
 * quickstart (4 upload workers, 2 providers), where cleanup removed an upload record it had
 * read as `uploading` after that upload had finished (so the build was uploaded again and
 * the first cloud image leaked).
 */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { NodePoolBuilder } from '../../../src/builder/index.js';
import { UploadDeleter } from '../../../src/builder/upload-deleter.js';
import { createLogger } from '../../../src/log/index.js';
import { ProviderSet } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import type { ImageUpload } from '../../../src/zk/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { useBuilderFixture, WAIT_MS } from './helpers.js';
import type { BuilderFixture } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder upload race tests: ${reason}\n`);

const IMAGES = ['fake-image', 'fake-image2', 'fake-image3'];
const PROVIDERS = ['fake-provider', 'fake-provider2'];

interface RawImage {
  name: string;
  [key: string]: unknown;
}
interface RawConfig {
  providers: Array<{ images: RawImage[] }>;
  diskimages: RawImage[];
  labels: unknown[];
}

/** node_two_provider.yaml with three diskimages, each uploaded to both providers. */
function threeImages(text: string): string {
  const config = parse(text) as RawConfig;
  const [disk] = config.diskimages;
  const [image] = config.providers[0]?.images ?? [];
  if (disk === undefined || image === undefined) throw new Error('unexpected fixture');
  config.diskimages = IMAGES.map((name) => ({ ...disk, name }));
  for (const p of config.providers) p.images = IMAGES.map((name) => ({ ...image, name }));
  config.labels = [];
  return stringify(config);
}

/** Waits until every worker of `builder` has made `n` more passes. */
async function morePasses(builder: NodePoolBuilder, n: number): Promise<void> {
  const passes = (): number[] =>
    (builder.diagnostics() as { workers: Array<{ passes: number }> }).workers.map((w) => w.passes);
  const start = passes();
  await waitFor(() => passes().every((p, i) => p >= (start[i] ?? 0) + n), {
    timeoutMs: WAIT_MS,
    what: `${n} more passes of every builder worker`,
  });
}

/** A stand-alone deleter over the fixture's records (it needs no provider for this). */
function deleter(fx: BuilderFixture): UploadDeleter {
  const log = createLogger({ level: 'silent' });
  return new UploadDeleter({
    images: fx.images,
    providers: new ProviderSet({ log, stats: createNoopStats() }),
    log,
  });
}

describe.skipIf(address === null)('NodePoolBuilder upload races', () => {
  const fx = useBuilderFixture(address);

  it('uploads each build once per provider with 4 upload workers, 2 providers and a busy cleanup', async () => {
    await fx.useConfig('node_two_provider.yaml', threeImages);
    // Cleanup runs nearly back to back so that its passes overlap the uploads.
    const { builder, logs } = await fx.startBuilder({
      uploadWorkers: 4,
      intervals: { buildMs: 50, uploadMs: 50, cleanupMs: 5, errorMs: 200 },
    });
    const pairs = IMAGES.flatMap((image) => PROVIDERS.map((provider) => ({ image, provider })));
    for (const { image, provider } of pairs) await fx.waitForImage(provider, image);
    // Let every worker make a few more passes over the finished uploads.
    await morePasses(builder, 3);

    const ours = [...fx.cloud.store.images.values()].filter(
      (i) => i.properties['nodepool_build_id'] !== undefined,
    );
    const records: ImageUpload[] = [];
    for (const { image, provider } of pairs) {
      const ups = await fx.images.getUploads(image, '0000000001', provider);
      expect(
        ups.map((u) => u.state),
        `upload records of ${image} to ${provider}`,
      ).toEqual(['ready']);
      records.push(...ups);
    }
    // One cloud image per record, and none that no record points to.
    expect(ours.map((i) => i.id).sort()).toEqual(records.map((u) => u.externalId).sort());
    expect(logs.find('is ready')).toHaveLength(pairs.length);
    expect(logs.find('Removed upload record')).toEqual([]);
  });

  it('never removes an upload record read as uploading once that upload has finished', async () => {
    await fx.useConfig('node_two_provider.yaml', threeImages);
    const build = await fx.images.storeBuild('fake-image', {
      state: 'ready',
      builder: 'nb-test',
      formats: ['qcow2'],
    });
    const id = await fx.images.storeUpload('fake-image', build, 'fake-provider', {
      state: 'uploading',
    });
    const stale = await fx.images.getUpload('fake-image', build, 'fake-provider', id);
    expect(stale?.state).toBe('uploading');
    // The upload finishes (under its lock) after cleanup read the record.
    const ready = {
      state: 'ready' as const,
      externalId: 'img-1',
      externalName: 'template-fake-image',
    };
    await fx.images.storeUpload('fake-image', build, 'fake-provider', ready, id);

    const d = deleter(fx);
    expect(await d.removeIfAbandoned(stale!, AbortSignal.timeout(WAIT_MS))).toBe(false);
    expect(await fx.images.getUpload('fake-image', build, 'fake-provider', id)).toMatchObject(
      ready,
    );
    expect(d.removed).toBe(0);
  });

  it('leaves an uploading record alone while its upload lock is held, and removes it after', async () => {
    await fx.useConfig('node_two_provider.yaml', threeImages);
    const build = await fx.images.storeBuild('fake-image', {
      state: 'ready',
      builder: 'nb-test',
      formats: ['qcow2'],
    });
    const id = await fx.images.storeUpload('fake-image', build, 'fake-provider', {
      state: 'uploading',
    });
    const u = (await fx.images.getUpload('fake-image', build, 'fake-provider', id))!;
    const d = deleter(fx);
    const lock = fx.images.imageUploadLock('fake-image', build, 'fake-provider');
    await lock.acquire();
    try {
      expect(await d.removeIfAbandoned(u, AbortSignal.timeout(WAIT_MS))).toBe(false);
      expect(await fx.images.getUpload('fake-image', build, 'fake-provider', id)).not.toBeNull();
    } finally {
      await lock.release();
    }
    // A hard failure: nobody holds the lock and the record is still the one read.
    expect(await d.removeIfAbandoned(u, AbortSignal.timeout(WAIT_MS))).toBe(true);
    expect(await fx.images.getUpload('fake-image', build, 'fake-provider', id)).toBeNull();
    expect(d.removed).toBe(1);
  });
});
