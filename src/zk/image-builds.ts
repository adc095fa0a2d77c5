/**
 * Typed access to the image tree (docs/behaviour.md#the-image-tree): builds, uploads, manual build requests and
 * the three locks, as upstream's `nodepool.zk.ZooKeeper` offers them. Ids are listed sorted
 * ascending; "most recent" means largest `state_time`, never largest id.
 */
import type { ZkClient } from './client.js';
import { NoNodeError, ZooKeeperError } from './errors.js';
import { ZkLock } from './lock.js';
import type { ZkCallOptions } from './operations.js';
import {
  IMAGE_ROOT,
  LOCK_CHILD,
  imageBuildLockPath,
  imageBuildNumberLockPath,
  imageBuildPath,
  imageBuildRequestPath,
  imageBuildsPath,
  imageProvidersPath,
  imageUploadLockPath,
  imageUploadPath,
  imageUploadsPath,
} from './paths.js';
import { decodeBuild, decodeUpload, encodeBuild, encodeUpload } from './records.js';
import type { ImageBuild, ImageBuildData, ImageUpload, ImageUploadData } from './records.js';

/** Options of conditional writes. */
export interface StoreOptions extends ZkCallOptions {
  /** Only overwrite when the record still has this version (`BadVersionError` otherwise). */
  readonly version?: number;
}

/** Filter of the "most recent" queries. */
export interface RecentOptions extends ZkCallOptions {
  /** Only records in this state. @default any state */
  readonly state?: string;
  /** At most this many. @default all */
  readonly count?: number;
}

function sortIds(ids: string[]): string[] {
  return ids.filter((id) => id !== LOCK_CHILD).sort();
}

/** Newest first by `state_time`; records without one sort last. */
function byRecency<T extends { stateTime: number | null }>(a: T, b: T): number {
  return (b.stateTime ?? -Infinity) - (a.stateTime ?? -Infinity);
}

/** The image records over one {@link ZkClient}. Reads take no locks, as upstream. */
export class ImageBuilds {
  constructor(readonly client: ZkClient) {}

  private async children(path: string, options: ZkCallOptions): Promise<string[]> {
    try {
      return await this.client.getChildren(path, options);
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
  }

  /** Image names under `/nodepool/images`, sorted. */
  async getImageNames(options: ZkCallOptions = {}): Promise<string[]> {
    return (await this.children(IMAGE_ROOT, options)).sort();
  }

  /** Build ids of an image, sorted, without the `lock` child. */
  async getBuildIds(image: string, options: ZkCallOptions = {}): Promise<string[]> {
    return sortIds(await this.children(imageBuildsPath(image), options));
  }

  /** Provider names that have an upload directory under a build, sorted. */
  async getBuildProviders(
    image: string,
    buildId: string,
    options: ZkCallOptions = {},
  ): Promise<string[]> {
    return (await this.children(imageProvidersPath(image, buildId), options)).sort();
  }

  /** Upload ids of a build in a provider, sorted, without the `lock` child. */
  async getUploadIds(
    image: string,
    buildId: string,
    provider: string,
    options: ZkCallOptions = {},
  ): Promise<string[]> {
    return sortIds(await this.children(imageUploadsPath(image, buildId, provider), options));
  }

  /** One build record, or null when missing. @throws ZooKeeperError on unreadable JSON */
  async getBuild(
    image: string,
    buildId: string,
    options: ZkCallOptions = {},
  ): Promise<ImageBuild | null> {
    const path = imageBuildPath(image, buildId);
    try {
      const { data, stat } = await this.client.get(path, options);
      return decodeBuild(data, { path, image, id: buildId, version: stat.version });
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  /** Builds of an image in id order, optionally only those in `states`. */
  async getBuilds(
    image: string,
    options: ZkCallOptions & { states?: readonly string[] } = {},
  ): Promise<ImageBuild[]> {
    const out: ImageBuild[] = [];
    for (const id of await this.getBuildIds(image, options)) {
      const b = await this.getBuild(image, id, options);
      if (
        b !== null &&
        (options.states === undefined || (b.state !== null && options.states.includes(b.state)))
      )
        out.push(b);
    }
    return out;
  }

  /** Builds newest first by `state_time` (upstream `getMostRecentBuilds`). */
  async getMostRecentBuilds(image: string, options: RecentOptions = {}): Promise<ImageBuild[]> {
    const states = options.state === undefined ? undefined : [options.state];
    const builds = (await this.getBuilds(image, { ...options, states })).sort(byRecency);
    return options.count === undefined ? builds : builds.slice(0, options.count);
  }

  /**
   * Writes a build record. Without `buildId` a new persistent sequential record is created
   * (parents made as needed) and its new 10-digit id returned; with it the record is replaced
   * whole. Take the image build lock first, as upstream.
   */
  async storeBuild(
    image: string,
    data: ImageBuildData,
    buildId?: string,
    options: StoreOptions = {},
  ): Promise<string> {
    const json = encodeBuild(data);
    if (buildId === undefined) {
      const path = await this.client.create(imageBuildsPath(image) + '/', {
        data: json,
        mode: 'persistent_sequential',
        makeParents: true,
        signal: options.signal,
      });
      return path.slice(path.lastIndexOf('/') + 1);
    }
    await this.client.set(imageBuildPath(image, buildId), json, options);
    return buildId;
  }

  /** One upload record, or null when missing. */
  async getUpload(
    image: string,
    buildId: string,
    provider: string,
    uploadId: string,
    options: ZkCallOptions = {},
  ): Promise<ImageUpload | null> {
    const path = imageUploadPath(image, buildId, provider, uploadId);
    try {
      const { data, stat } = await this.client.get(path, options);
      return decodeUpload(data, {
        path,
        image,
        buildId,
        provider,
        id: uploadId,
        version: stat.version,
      });
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  /** Uploads of a build in a provider in id order, optionally only those in `states`. */
  async getUploads(
    image: string,
    buildId: string,
    provider: string,
    options: ZkCallOptions & { states?: readonly string[] } = {},
  ): Promise<ImageUpload[]> {
    const out: ImageUpload[] = [];
    for (const id of await this.getUploadIds(image, buildId, provider, options)) {
      const u = await this.getUpload(image, buildId, provider, id, options);
      if (
        u !== null &&
        (options.states === undefined || (u.state !== null && options.states.includes(u.state)))
      )
        out.push(u);
    }
    return out;
  }

  /** Uploads of one build in one provider, newest first (`getMostRecentBuildImageUploads`). */
  async getMostRecentBuildUploads(
    image: string,
    buildId: string,
    provider: string,
    options: RecentOptions = {},
  ): Promise<ImageUpload[]> {
    const states = options.state === undefined ? undefined : [options.state];
    const uploads = (await this.getUploads(image, buildId, provider, { ...options, states })).sort(
      byRecency,
    );
    return options.count === undefined ? uploads : uploads.slice(0, options.count);
  }

  /**
   * The upload the launcher boots from: among all builds of `image` (whatever their state),
   * the upload to `provider` in `state` (default `ready`) with the largest `state_time`.
   */
  async getMostRecentUpload(
    image: string,
    provider: string,
    options: ZkCallOptions & { state?: string } = {},
  ): Promise<ImageUpload | null> {
    const state = options.state ?? 'ready';
    let best: ImageUpload | null = null;
    for (const buildId of await this.getBuildIds(image, options)) {
      for (const u of await this.getUploads(image, buildId, provider, {
        ...options,
        states: [state],
      })) {
        if (best === null || (u.stateTime ?? -Infinity) > (best.stateTime ?? -Infinity)) best = u;
      }
    }
    return best;
  }

  /**
   * Writes an upload record, new (sequential, returns the new id) or whole replacement.
   *
   * @throws ZooKeeperError when the build does not exist
   */
  async storeUpload(
    image: string,
    buildId: string,
    provider: string,
    data: ImageUploadData,
    uploadId?: string,
    options: StoreOptions = {},
  ): Promise<string> {
    if ((await this.client.exists(imageBuildPath(image, buildId), options)) === null) {
      throw new ZooKeeperError(
        `Cannot store upload: build "${buildId}" of image "${image}" does not exist`,
        {
          code: 'ERR_ZK_NO_BUILD',
          path: imageBuildPath(image, buildId),
        },
      );
    }
    const json = encodeUpload(data);
    if (uploadId === undefined) {
      const path = await this.client.create(imageUploadsPath(image, buildId, provider) + '/', {
        data: json,
        mode: 'persistent_sequential',
        makeParents: true,
        signal: options.signal,
      });
      return path.slice(path.lastIndexOf('/') + 1);
    }
    await this.client.set(imageUploadPath(image, buildId, provider, uploadId), json, options);
    return uploadId;
  }

  /** True while a manual build request is pending. */
  async hasBuildRequest(image: string, options: ZkCallOptions = {}): Promise<boolean> {
    return (await this.client.exists(imageBuildRequestPath(image), options)) !== null;
  }

  /** Submits a manual build request (idempotent, empty data). */
  async submitBuildRequest(image: string, options: ZkCallOptions = {}): Promise<void> {
    await this.client.mkdirp(imageBuildRequestPath(image), options);
  }

  /** Removes a manual build request; fine when there is none. */
  async removeBuildRequest(image: string, options: ZkCallOptions = {}): Promise<void> {
    try {
      await this.client.delete(imageBuildRequestPath(image), options);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /**
   * Deletes a build record with its `lock` and `providers` subtrees. Resolves false (and
   * deletes nothing) while any upload record remains; true when deleted or already gone.
   */
  async deleteBuild(image: string, buildId: string, options: ZkCallOptions = {}): Promise<boolean> {
    for (const provider of await this.getBuildProviders(image, buildId, options)) {
      if ((await this.getUploadIds(image, buildId, provider, options)).length > 0) return false;
    }
    try {
      await this.client.delete(imageBuildPath(image, buildId), { ...options, recursive: true });
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
    return true;
  }

  /**
   * Deletes one upload record; fine when already gone. With `version`, only while the record
   * still has that version.
   *
   * @throws BadVersionError when `version` is given and the record changed meanwhile
   */
  async deleteUpload(
    image: string,
    buildId: string,
    provider: string,
    uploadId: string,
    options: StoreOptions = {},
  ): Promise<void> {
    try {
      await this.client.delete(imageUploadPath(image, buildId, provider, uploadId), options);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /** The per-image build lock (`builds/lock`), not yet acquired. */
  imageBuildLock(image: string): ZkLock {
    return new ZkLock(this.client, imageBuildLockPath(image));
  }

  /** The build-number lock (`builds/<bid>/lock`), not yet acquired. */
  imageBuildNumberLock(image: string, buildId: string): ZkLock {
    return new ZkLock(this.client, imageBuildNumberLockPath(image, buildId));
  }

  /** The upload lock (`.../providers/<p>/images/lock`), not yet acquired. */
  imageUploadLock(image: string, buildId: string, provider: string): ZkLock {
    return new ZkLock(this.client, imageUploadLockPath(image, buildId, provider));
  }
}
