/**
 * The checks behind `nodepool-builder --web-address` (docs/web.md#health-endpoints).
 *
 * Live: the builder runs and every worker loop (build, upload, cleanup) is still running.
 * Ready: the ZooKeeper session is connected, a file can be created in `images-dir`, and the
 * dib command is an executable file (a path, or a name found on `PATH`).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, stat, unlink, writeFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { ServiceState } from '../util/index.js';
import type { HealthCheck, HealthProbes } from '../web/index.js';

/** What the checks read, at each check. */
export interface BuilderHealthDeps {
  readonly state: () => ServiceState;
  /** Names of the worker loops started. */
  readonly workers: () => readonly string[];
  /** Names of the background tasks still running. */
  readonly running: () => readonly string[];
  /** The builder's ZooKeeper session; null before start. */
  readonly zookeeper: () => {
    readonly isConnected: boolean;
    readonly connectionState: string;
  } | null;
  /** `images-dir` of the config last loaded; null before start. */
  readonly imagesDir: () => string | null;
  /** The dib executable as configured (`disk-image-create` or `$NODEPOOL_DIB_CMD`). */
  readonly dibCmd: string;
  /** Where a bare dib command name is looked up. */
  readonly path: string | undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when `file` is a regular file with an execute bit. */
async function isExecutable(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    await access(file, constants.X_OK);
    return (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The dib command's file: itself when it has a slash, else the first match on `PATH`. */
export async function findCommand(cmd: string, path: string | undefined): Promise<string | null> {
  if (cmd.includes('/')) return (await isExecutable(cmd)) ? cmd : null;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const file = join(dir, cmd);
    if (await isExecutable(file)) return file;
  }
  return null;
}

/** Builds the live and ready checks of a builder. */
export function builderHealthProbes(deps: BuilderHealthDeps): HealthProbes {
  const workers = (): HealthCheck => {
    const state = deps.state();
    if (state !== 'running') return { status: 'down', detail: `builder is ${state}` };
    const running = new Set(deps.running());
    const stopped = deps.workers().filter((w) => !running.has(w));
    return stopped.length === 0
      ? { status: 'up', detail: `${deps.workers().length} worker loops running` }
      : { status: 'down', detail: `stopped: ${stopped.join(', ')}` };
  };

  const zookeeper = (): HealthCheck => {
    const zk = deps.zookeeper();
    if (zk === null) return { status: 'down', detail: 'no session opened yet' };
    return zk.isConnected
      ? { status: 'up' }
      : { status: 'down', detail: `session is ${zk.connectionState}` };
  };

  // As root, access(W_OK) says yes to any directory: only creating a file tells.
  const imagesDir = async (): Promise<HealthCheck> => {
    const dir = deps.imagesDir();
    if (dir === null) return { status: 'down', detail: 'no configuration loaded yet' };
    const probe = join(dir, `.nodepool-health-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(probe, '', { flag: 'wx' });
    } catch (err) {
      return { status: 'down', detail: `cannot write in ${dir}: ${errorText(err)}` };
    }
    await unlink(probe);
    return { status: 'up', detail: dir };
  };

  const dib = async (): Promise<HealthCheck> => {
    const found = await findCommand(deps.dibCmd, deps.path);
    return found === null
      ? {
          status: 'down',
          detail: deps.dibCmd.includes('/')
            ? `${deps.dibCmd} is not an executable file`
            : `${deps.dibCmd} not found on PATH`,
        }
      : { status: 'up', detail: found };
  };

  return {
    live: { workers },
    ready: { zookeeper, 'images-dir': imagesDir, dib },
  };
}
