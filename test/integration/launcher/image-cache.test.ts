/**
 * The launcher's image cache against real ZooKeeper: a new upload must drop the cached
 * answer through a watch, also when the builder creates a directory of the image tree
 * between the cache's "no such node" and the watch it then leaves (found by the quickstart,
 * where the launcher never saw the `quickstart-large` upload).
 */
import { describe, expect, it } from 'vitest';
import { ImageCache } from '../../../src/launcher/image-cache.js';
import { createLogger } from '../../../src/log/index.js';
import { ImageBuilds, imageProvidersPath, imageUploadsPath } from '../../../src/zk/index.js';
import type { ZkClient } from '../../../src/zk/index.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED launcher image cache tests: ${reason}\n`);

const IMAGE = 'fake-image';
const PROVIDER = 'fake-provider';
/** Long enough that only a watch, never the age bound, can refresh an answer here. */
const MAX_AGE_MS = 3_600_000;

/**
 * `client`, except that the first `exists(path)` on `path` first runs `before` (on another
 * session), so that the node appears right between the cache's two requests.
 */
function existsHook(client: ZkClient, path: string, before: () => Promise<void>): ZkClient {
  let pending = true;
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'exists') {
        return async (p: string, options: Parameters<ZkClient['exists']>[1]) => {
          if (pending && p === path) {
            pending = false;
            await before();
          }
          return target.exists(p, options);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

describe.skipIf(address === null)('ImageCache', () => {
  const fx = useZkFixture(address);

  async function setup(hookPath: (build: string) => string, prepare?: (build: string) => string) {
    const writer = new ImageBuilds(await fx.client());
    const build = await writer.storeBuild(IMAGE, { state: 'ready', formats: ['qcow2'] });
    if (prepare !== undefined) await writer.client.mkdirp(prepare(build));
    const path = hookPath(build);
    let changes = 0;
    const client = existsHook(await fx.client(), path, () => writer.client.mkdirp(path));
    const cache = new ImageCache(client, {
      onChange: () => (changes += 1),
      log: createLogger({ level: 'silent' }),
      maxAgeMs: MAX_AGE_MS,
    });
    fx.defer(() => Promise.resolve(cache.close()));
    expect(await cache.get(IMAGE, PROVIDER)).toBeNull();
    const id = await writer.storeUpload(IMAGE, build, PROVIDER, {
      state: 'ready',
      externalId: 'image-1',
      externalName: 'template-fake-image-1',
    });
    return { cache, build, id, changes: () => changes };
  }

  it('sees an upload whose providers directory appeared while it was being read', async () => {
    const { cache, build, id, changes } = await setup((b) => imageProvidersPath(IMAGE, b));
    const found = await waitFor(() => cache.get(IMAGE, PROVIDER), {
      what: 'the cache to report the new upload',
    });
    expect(found).toMatchObject({ buildId: build, id, state: 'ready', externalId: 'image-1' });
    expect(changes()).toBeGreaterThan(0);
  });

  it('sees an upload whose uploads directory appeared while it was being read', async () => {
    const { cache, build, id } = await setup(
      (b) => imageUploadsPath(IMAGE, b, PROVIDER),
      (b) => `${imageProvidersPath(IMAGE, b)}/${PROVIDER}`,
    );
    const found = await waitFor(() => cache.get(IMAGE, PROVIDER), {
      what: 'the cache to report the new upload',
    });
    expect(found).toMatchObject({ buildId: build, id, state: 'ready' });
  });

  it('drops its answer when an upload turns ready and when it is deleted', async () => {
    const writer = new ImageBuilds(await fx.client());
    const build = await writer.storeBuild(IMAGE, { state: 'ready', formats: ['qcow2'] });
    const id = await writer.storeUpload(IMAGE, build, PROVIDER, { state: 'uploading' });
    const cache = new ImageCache(await fx.client(), {
      onChange: () => undefined,
      log: createLogger({ level: 'silent' }),
      maxAgeMs: MAX_AGE_MS,
    });
    fx.defer(() => Promise.resolve(cache.close()));
    expect(await cache.get(IMAGE, PROVIDER)).toBeNull();
    await writer.storeUpload(IMAGE, build, PROVIDER, { state: 'ready', externalId: 'x' }, id);
    await waitFor(() => cache.get(IMAGE, PROVIDER), { what: 'the upload to be reported' });
    await writer.deleteUpload(IMAGE, build, PROVIDER, id);
    await waitFor(async () => (await cache.get(IMAGE, PROVIDER)) === null, {
      what: 'the deleted upload to be forgotten',
    });
  });
});
