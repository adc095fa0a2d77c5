/**
 * Benchmark: image upload through the provider driver, as the builder's upload worker does
 * it. A 1 GiB sparse image file is streamed to a fake cloud on 127.0.0.1, run as a separate
 * process so that its memory is not counted (Glance v2 PUT; the fake hashes every byte as it
 * arrives). Figures: throughput and this (the uploading) process's resident memory, sampled
 * during the upload. Goal (issue #8): memory stays flat — the peak RSS grows
 * by less than 128 MiB over the baseline, so the file is never held in memory.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import { ProviderSet } from '../../src/provider/index.js';
import { createNoopStats } from '../../src/stats/index.js';
import { delay } from '../../src/util/index.js';
import { fakeCloudDrivers } from '../../test/support/fake-drivers.js';
import { FakeCloudProcess } from '../../test/support/fake-cloud-process.js';

const name = 'upload';
const goal = 'Upload a 1 GiB image to the fake cloud with peak RSS growth < 128 MiB';

const SIZE = 1024 ** 3;
const MIB = 1024 ** 2;
const MAX_GROWTH = 128 * MIB;

const CONFIG = `
images-dir: /tmp
zookeeper-servers:
  - host: 127.0.0.1
providers:
  - name: bench
    region-name: RegionOne
    auth-url: fake
    username: bench
    password: bench
    project-id: bench
    max-servers: 1
    images: []
labels: []
`;

async function run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-bench-upload-'));
  const file = path.join(dir, 'bench-0000000001.qcow2');
  let cloud: FakeCloudProcess | null = null;
  const endpoint = {
    get authUrl(): string {
      if (cloud === null) throw new Error('no fake cloud');
      return cloud.authUrl;
    },
  };
  const providers = new ProviderSet(
    {
      log: createLogger({ level: 'silent' }),
      stats: createNoopStats(),
      tuning: { imagePollMs: 50 },
    },
    { registry: fakeCloudDrivers(endpoint) },
  );
  try {
    // A sparse file: no disk space used, but every byte is read and sent.
    const fh = await open(file, 'w');
    await fh.truncate(SIZE);
    await fh.close();
    await writeFile(path.join(dir, 'nodepool.yaml'), CONFIG);
    cloud = await FakeCloudProcess.start();
    const config = await loadConfig(path.join(dir, 'nodepool.yaml'));
    await providers.reconfigure(config.providers);
    const provider = providers.get('bench');
    if (provider?.uploadImage === undefined) throw new Error('the bench provider cannot upload');

    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, process.memoryUsage().rss);
        await delay(20);
      }
    })();
    const started = performance.now();
    let image;
    try {
      image = await provider.uploadImage({
        name: 'bench-image',
        filename: file,
        diskFormat: 'qcow2',
      });
    } finally {
      sampling = false;
      await sampler;
    }
    const seconds = (performance.now() - started) / 1000;
    const stored = (await cloud.state()).images.find((i) => i.id === image.id);
    const growth = peak - baseline;
    return {
      figures: {
        bytes: SIZE,
        seconds: Number(seconds.toFixed(2)),
        'MiB/s': Number((SIZE / MIB / seconds).toFixed(1)),
        'baseline RSS MiB': Math.round(baseline / MIB),
        'peak RSS MiB': Math.round(peak / MIB),
        'RSS growth MiB': Math.round(growth / MIB),
        'stored size': stored?.size ?? 'missing',
        status: image.status,
      },
      met: stored?.size === SIZE && image.status === 'active' && growth < MAX_GROWTH,
    };
  } finally {
    await providers.stop();
    await cloud?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export default { name, goal, run };
