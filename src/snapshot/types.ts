/**
 * What the snapshot image code needs from its host (nodepoold's launcher, or the CLI) and
 * its timing knobs.
 */
import type { Logger } from 'pino';
import type { CompiledConfig } from '../config/index.js';
import type { RepoPorts } from '../db/index.js';
import type { SshSeam } from '../launcher/index.js';
import type { Provider } from '../provider/index.js';
import type { Stats } from '../stats/index.js';

/** Timing knobs; production defaults are upstream 0.3.1's constants. */
export interface SnapshotTiming {
  /** How long to try SSH on a template server (0.3.1 CONNECT_TIMEOUT). @default 600_000 */
  connectTimeoutMs: number;
  /** How long a fallback login user is tried. @default 10_000 */
  fallbackLoginTimeoutMs: number;
  /** How long the snapshot may take to become active (IMAGE_TIMEOUT). @default 6 h */
  imageTimeoutMs: number;
  /** How long to wait for a deleted server to go. @default 600_000 */
  deleteTimeoutMs: number;
  /** Pause after `setup` so the disk settles before the snapshot. @default 5000 */
  settleMs: number;
  /** Age after which a snapshot that is neither current nor previous is deleted (IMAGE_CLEANUP). @default 8 h */
  imageCleanupMs: number;
  /** Interval of the missing-image check. @default 10_000 (the launcher's WATERMARK_SLEEP) */
  checkIntervalMs: number;
}

/** Production timing. */
export const DEFAULT_SNAPSHOT_TIMING: Readonly<SnapshotTiming> = Object.freeze({
  connectTimeoutMs: 600_000,
  fallbackLoginTimeoutMs: 10_000,
  imageTimeoutMs: 6 * 3600_000,
  deleteTimeoutMs: 600_000,
  settleMs: 5000,
  imageCleanupMs: 8 * 3600_000,
  checkIntervalMs: 10_000,
});

/** The shared state snapshot operations run against; read at each step. */
export interface SnapshotContext {
  readonly log: Logger;
  readonly stats: Stats;
  readonly timing: SnapshotTiming;
  /** Where template servers are reached over SSH (the launcher's seam). */
  readonly ssh: SshSeam;
  config(): CompiledConfig;
  db(): RepoPorts;
  /** The running provider called `name`, if configured. */
  provider(name: string): Provider | undefined;
}
