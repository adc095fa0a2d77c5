/**
 * Events across processes (issue #15): one persistent znode whose data any writer of node
 * state (the `nodepool` CLI, another launcher) replaces after its database write, and whose
 * data watch every launcher keeps armed, so it runs a pass at once instead of at its next
 * interval.
 *
 * Contract: the path {@link LAUNCHER_EVENTS_PATH} (relative to the chroot) and its data, a
 * small JSON object `{ kind, id?, by? }`. Readers treat unreadable data as "something
 * changed". A poke is a hint, never the only carrier of a change: the database stays the
 * truth and launchers also poll it (`changeFingerprint`), so a lost poke only costs time.
 */
import type { Logger } from 'pino';
import { createLogger } from '../log/index.js';
import { delay } from '../util/index.js';
import type { ZkClient, ZkSessionEvent } from './client.js';
import { NodeExistsError, NoNodeError } from './errors.js';

/** The events znode. Built here rather than in `paths.ts`, which is the image-tree contract. */
export const LAUNCHER_EVENTS_PATH = '/nodepool/launcher/events';

/** What changed, as a poke says it. */
export interface LaunchEvent {
  /** `node`, `job`, ... (free text; launchers do not dispatch on it today). */
  readonly kind: string;
  readonly id?: number;
  /** Who wrote it, e.g. `cli`. */
  readonly by?: string;
}

/** The ZooKeeper operations the events need: a `ZkClient`, or a test double of one. */
export type LaunchEventsClient = Pick<ZkClient, 'get' | 'set' | 'create' | 'onSessionEvent'>;

/**
 * Tells every launcher that node state changed: replaces the events znode's data (creating
 * it and its parents when missing). One write; no wait for any launcher.
 *
 * @throws ZooKeeperError when ZooKeeper cannot be written (the caller decides whether that
 *   matters: the CLI only logs it)
 */
export async function pokeLaunchers(
  zk: LaunchEventsClient,
  what: LaunchEvent,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const data = JSON.stringify(what);
  const call = options.signal ? { signal: options.signal } : {};
  try {
    await zk.set(LAUNCHER_EVENTS_PATH, data, call);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
    try {
      await zk.create(LAUNCHER_EVENTS_PATH, { data, makeParents: true, ...call });
    } catch (createErr) {
      // Someone created it meanwhile: write over theirs, which is a poke all the same.
      if (!(createErr instanceof NodeExistsError)) throw createErr;
      await zk.set(LAUNCHER_EVENTS_PATH, data, call);
    }
  }
}

/** Options of {@link watchLaunchEvents}. */
export interface WatchLaunchEventsOptions {
  /** @default a silent logger */
  readonly log?: Logger;
  /** Wait before re-reading after a failed read. @default 1000 */
  readonly retryMs?: number;
}

/** Parses a poke's data; null when it is not the JSON object a poke writes. */
export function parseLaunchEvent(data: Buffer): LaunchEvent | null {
  try {
    const v = JSON.parse(data.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || typeof (v as LaunchEvent).kind !== 'string')
      return null;
    return v as LaunchEvent;
  } catch {
    return null;
  }
}

/**
 * Keeps a data watch on the events znode and calls `onPoke` for each change seen. The znode
 * is created when missing. Re-arming reads the data with a new watch and compares the stat
 * (creation time and version) with the last one seen, so a poke written between a watch
 * firing and the re-arm, during a disconnection, or while the session was lost (watches
 * gone) still calls `onPoke` once. Several pokes close together may be seen as one. The
 * first read only records the version. Returns the stopper.
 */
export function watchLaunchEvents(
  zk: LaunchEventsClient,
  onPoke: (event: LaunchEvent | null) => void,
  options: WatchLaunchEventsOptions = {},
): () => void {
  const watcher = new EventsWatcher(zk, onPoke, options);
  watcher.kick();
  return () => watcher.stop();
}

class EventsWatcher {
  private readonly stopped = new AbortController();
  private readonly log: Logger;
  private readonly retryMs: number;
  private readonly unsubscribe: () => void;
  /** `ctime:version` of the data last seen; null before the first read. */
  private seen: string | null = null;
  /** Counts arms; a watch that fires for an older arm is left to the newer one. */
  private armed = 0;
  private isRunning = false;
  private isAgain = false;

  constructor(
    private readonly zk: LaunchEventsClient,
    private readonly onPoke: (event: LaunchEvent | null) => void,
    options: WatchLaunchEventsOptions,
  ) {
    this.log = (options.log ?? createLogger({ level: 'silent' })).child({
      component: 'launcher-events',
    });
    this.retryMs = options.retryMs ?? 1000;
    this.unsubscribe = zk.onSessionEvent((e: ZkSessionEvent) => {
      // A lost session took the watch; a resumed one keeps it, but reading again is cheap.
      if (e.kind === 'connected') this.kick();
    });
  }

  stop(): void {
    this.stopped.abort(new Error('launcher events watch stopped'));
    this.unsubscribe();
  }

  /** Re-arms now, or right after the re-arm that is running. */
  kick(): void {
    if (this.stopped.signal.aborted) return;
    if (this.isRunning) {
      this.isAgain = true;
      return;
    }
    this.isRunning = true;
    this.run()
      .catch((err: unknown) => this.log.error({ err }, 'Launcher events watch failed'))
      .finally(() => {
        this.isRunning = false;
      });
  }

  private async run(): Promise<void> {
    const signal = this.stopped.signal;
    do {
      this.isAgain = false;
      try {
        await this.arm(signal);
      } catch (err) {
        if (signal.aborted) return;
        this.log.debug({ err }, 'Cannot read the launcher events znode: retrying');
        try {
          await delay(this.retryMs, { signal });
        } catch {
          return; // stopped
        }
        this.isAgain = true;
      }
    } while (this.isAgain && !signal.aborted);
  }

  /** Reads the data with a fresh watch and reports a change since the last read. */
  private async arm(signal: AbortSignal): Promise<void> {
    const token = ++this.armed;
    const watch = (): void => {
      if (token === this.armed) this.kick();
    };
    let read;
    try {
      read = await this.zk.get(LAUNCHER_EVENTS_PATH, { watch, signal });
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      try {
        await this.zk.create(LAUNCHER_EVENTS_PATH, { makeParents: true, signal });
      } catch (createErr) {
        if (!(createErr instanceof NodeExistsError)) throw createErr;
      }
      this.isAgain = true;
      return;
    }
    if (signal.aborted) return;
    const key = `${read.stat.ctimeMs}:${read.stat.version}`;
    const previous = this.seen;
    this.seen = key;
    if (previous !== null && previous !== key) this.onPoke(parseLaunchEvent(read.data));
  }
}
