/**
 * The current image for each (image, provider) (docs/behaviour.md#what-the-launcher-reads-and-writes): among all builds, the
 * `ready` upload to that provider with the largest `state_time`. Answers are cached and
 * ZooKeeper watches drop them when the tree under the image changes, so a new upload wakes
 * the launcher instead of being found by polling (docs/behaviour.md#where-we-differ-from-040).
 */
import type { Logger } from 'pino';
import {
  NoNodeError,
  decodeUpload,
  imageBuildsPath,
  imageProvidersPath,
  imageUploadPath,
  imageUploadsPath,
} from '../zk/index.js';
import type { ImageUpload, ZkClient, ZkStat } from '../zk/index.js';

/** Options of {@link ImageCache}. */
export interface ImageCacheOptions {
  /** Called after a watch dropped cached answers (the launcher wakes its loop). */
  onChange: () => void;
  log: Logger;
  /**
   * Longest time an answer is reused. Watches normally drop answers at once; this bound
   * makes sure a missed watch (a node created between a read and its watch being set, a
   * session hiccup) costs at most one interval, as upstream's re-read on every pass.
   * @default 10_000
   */
  maxAgeMs?: number;
}

const LOCK = 'lock';

/** The kinds of ZooKeeper watch the cache leaves. */
type WatchKind = 'children' | 'exists' | 'data';

/** Cached current uploads over one ZooKeeper client. */
export class ImageCache {
  private readonly cache = new Map<string, Promise<ImageUpload | null>>();
  private readonly readAt = new Map<string, number>();
  /** `<kind>\0<path>` of each watch of ours still pending (watches fire once). */
  private readonly watched = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(
    readonly client: ZkClient,
    private readonly options: ImageCacheOptions,
  ) {
    // Watches do not survive a lost session: forget everything and re-read.
    this.unsubscribe = client.onSessionEvent((e) => {
      if (e.kind === 'lost' || (e.kind === 'connected' && e.isNewSession)) {
        this.watched.clear();
        this.invalidate();
      }
    });
  }

  /** Stops listening to session events. */
  close(): void {
    this.unsubscribe();
    this.cache.clear();
  }

  /** Drops every cached answer (or those of one image) and tells the owner. */
  invalidate(image?: string): void {
    if (image === undefined) this.cache.clear();
    else
      for (const key of this.cache.keys()) if (key.startsWith(`${image}\0`)) this.cache.delete(key);
    this.options.onChange();
  }

  /** The upload the launcher boots from, or null when there is none. */
  get(
    image: string,
    provider: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ImageUpload | null> {
    const key = `${image}\0${provider}`;
    let entry = this.cache.get(key);
    if (
      entry !== undefined &&
      Date.now() - (this.readAt.get(key) ?? 0) > (this.options.maxAgeMs ?? 10_000)
    ) {
      entry = undefined;
    }
    if (entry === undefined) {
      entry = this.read(image, provider, options.signal);
      this.cache.set(key, entry);
      this.readAt.set(key, Date.now());
      // A failed read is not cached; the next pass asks again.
      entry.catch(() => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      });
    }
    return entry;
  }

  /** The cached answer, when one is settled; undefined when it must be read first. */
  peek(image: string, provider: string): Promise<ImageUpload | null> | undefined {
    return this.cache.get(`${image}\0${provider}`);
  }

  /**
   * A watch of `kind` on `path`, unless one is already pending. ZooKeeper keeps data,
   * existence and child watches apart (a child watch is the only one told about new
   * children), so each kind is tracked on its own.
   */
  private watchOf(kind: WatchKind, path: string, image: string): { watch?: () => void } {
    const key = `${kind}\0${path}`;
    if (this.watched.has(key)) return {};
    this.watched.add(key);
    return {
      watch: () => {
        this.watched.delete(key);
        this.options.log.debug({ path }, 'Image records changed under %s', path);
        this.invalidate(image);
      },
    };
  }

  /** Forgets a watch whose request failed (the server set none). */
  private unwatch(kind: WatchKind, path: string): void {
    this.watched.delete(`${kind}\0${path}`);
  }

  /** Children of `path` (without `lock`), leaving a watch that reports new children. */
  private async children(path: string, image: string, signal?: AbortSignal): Promise<string[]> {
    for (;;) {
      try {
        const names = await this.client.getChildren(path, {
          ...this.watchOf('children', path, image),
          signal,
        });
        return names.filter((n) => n !== LOCK).sort();
      } catch (err) {
        this.unwatch('children', path);
        if (!(err instanceof NoNodeError)) throw err;
      }
      // Missing: watch for its creation instead.
      let stat: ZkStat | null;
      try {
        stat = await this.client.exists(path, { ...this.watchOf('exists', path, image), signal });
      } catch (err) {
        this.unwatch('exists', path);
        throw err;
      }
      if (stat === null) return [];
      // Created since: that watch only reports changes of its data, never new children
      // (the builder makes the parents first, then the records), so list it after all.
    }
  }

  private async read(
    image: string,
    provider: string,
    signal?: AbortSignal,
  ): Promise<ImageUpload | null> {
    let best: ImageUpload | null = null;
    for (const buildId of await this.children(imageBuildsPath(image), image, signal)) {
      const providers = await this.children(imageProvidersPath(image, buildId), image, signal);
      if (!providers.includes(provider)) continue;
      for (const uploadId of await this.children(
        imageUploadsPath(image, buildId, provider),
        image,
        signal,
      )) {
        const path = imageUploadPath(image, buildId, provider, uploadId);
        let upload: ImageUpload;
        try {
          const { data, stat } = await this.client.get(path, {
            ...this.watchOf('data', path, image),
            signal,
          });
          upload = decodeUpload(data, {
            path,
            image,
            buildId,
            provider,
            id: uploadId,
            version: stat.version,
          });
        } catch (err) {
          this.unwatch('data', path);
          // Gone since it was listed: the child watch of its parent reports that.
          if (err instanceof NoNodeError) continue;
          throw err;
        }
        if (upload.state !== 'ready') continue;
        if (best === null || (upload.stateTime ?? -Infinity) > (best.stateTime ?? -Infinity))
          best = upload;
      }
    }
    return best;
  }
}
