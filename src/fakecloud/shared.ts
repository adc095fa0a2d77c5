/**
 * One fake cloud per process for providers configured with `auth-url: fake`, as upstream's
 * fake provider did: started on first use, accepting any user, password and project.
 */
import { FakeCloud } from './fake-cloud.js';

let shared: Promise<FakeCloud> | null = null;

/** Options of {@link getSharedFakeCloud}. */
export interface SharedFakeCloudOptions {
  /** A region the caller will ask the catalog for (added if missing). */
  region?: string;
}

/**
 * Returns the process's shared fake cloud, starting it on 127.0.0.1 (free port) on first
 * call. Its catalog lists `RegionOne` and `fake-region` (upstream fixtures' region) plus any
 * `region` asked for. Stop it with {@link stopSharedFakeCloud}.
 */
export async function getSharedFakeCloud(options: SharedFakeCloudOptions = {}): Promise<FakeCloud> {
  shared ??= (async () => {
    const cloud = new FakeCloud({ regions: ['RegionOne', 'fake-region'], checkKeyNames: false });
    await cloud.start();
    return cloud;
  })();
  let cloud: FakeCloud;
  try {
    cloud = await shared;
  } catch (err) {
    shared = null;
    throw err;
  }
  if (options.region !== undefined && options.region !== '') cloud.addRegion(options.region);
  return cloud;
}

/** Stops the shared fake cloud if one was started; the next get starts a fresh one. */
export async function stopSharedFakeCloud(): Promise<void> {
  const current = shared;
  shared = null;
  if (current === null) return;
  const cloud = await current.catch(() => null);
  await cloud?.stop();
}
