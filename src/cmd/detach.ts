/**
 * Daemonizing without fork(): the command re-runs itself as a detached child (own session via
 * `detached: true`, cwd `/`, stdio on /dev/null) with {@link DAEMON_CHILD_ENV} set to the
 * original working directory. The child reports over an IPC channel once its pid file is
 * written and once its services started (or failed); the parent waits for that, prints any
 * failure, and exits. The child then drops the channel and runs on alone.
 */
import { spawn } from 'node:child_process';
import { schedule } from '../util/index.js';

/** Set in the child's environment to the directory the operator started the command in. */
export const DAEMON_CHILD_ENV = 'NODEPOOL_DAEMON_CHILD';

/** How long the parent waits for services to start once the pid file exists. */
const STARTUP_WAIT_MS = 30_000;

/** What a daemon child tells its parent. */
export type DaemonMessage =
  | { type: 'pidfile'; pid: number }
  | { type: 'started'; pid: number }
  | { type: 'notice'; message: string; pid: number }
  | { type: 'failed'; message: string; exitCode: number };

/**
 * Reads and removes the marker: the original working directory when this process is a
 * detached daemon child, else `undefined`. Removing it keeps it from leaking into children
 * the daemon spawns.
 */
export function takeDaemonChildMarker(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cwd = env[DAEMON_CHILD_ENV];
  delete env[DAEMON_CHILD_ENV];
  return cwd === undefined || cwd === '' ? undefined : cwd;
}

/** Outcome of {@link spawnDetached} as the parent sees it. */
export interface DetachResult {
  /** 0 when the daemon is up (or still starting with its pid file written). */
  exitCode: number;
  /** What to print: a failure, or a note that the daemon is still starting. */
  message?: string;
  pid?: number;
}

/**
 * Starts this command again as a detached daemon and waits for its first reports.
 * `args` are the command's own arguments; the script is `process.argv[1]`.
 */
export function spawnDetached(args: readonly string[], name: string): Promise<DetachResult> {
  const script = process.argv[1];
  if (script === undefined)
    return Promise.resolve({
      exitCode: 1,
      message: `${name}: cannot find its own script to re-run`,
    });
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    detached: true,
    cwd: '/',
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: process.cwd() },
  });
  return new Promise<DetachResult>((resolve) => {
    let cancelWait: (() => void) | null = null;
    let settled = false;
    const settle = (result: DetachResult): void => {
      if (settled) return;
      settled = true;
      cancelWait?.();
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(result);
    };
    child.on('message', (msg: DaemonMessage) => {
      if (msg.type === 'pidfile') {
        cancelWait = schedule(() => {
          settle({
            exitCode: 0,
            pid: msg.pid,
            message: `${name}: still starting (pid ${msg.pid}); see its log`,
          });
        }, STARTUP_WAIT_MS);
      } else if (msg.type === 'started') {
        settle({ exitCode: 0, pid: msg.pid });
      } else if (msg.type === 'notice') {
        // Still waiting for a server: say why, and leave the daemon to it.
        settle({ exitCode: 0, pid: msg.pid, message: msg.message });
      } else {
        settle({ exitCode: msg.exitCode, message: msg.message });
      }
    });
    child.on('error', (err) =>
      settle({ exitCode: 1, message: `${name}: cannot start the daemon process: ${err.message}` }),
    );
    child.on('exit', (code, signal) => {
      const how = signal !== null ? `was killed by ${signal}` : `exited with status ${code ?? '?'}`;
      settle({
        exitCode: code !== null && code !== 0 ? code : 1,
        message: `${name}: the daemon ${how} before starting; run it with -d to see why`,
      });
    });
  });
}

/** Sends a report to the parent, if there is one listening. Never throws. */
export function notifyParent(msg: DaemonMessage): Promise<void> {
  return new Promise<void>((resolve) => {
    if (process.send === undefined || !process.connected) {
      resolve();
      return;
    }
    try {
      process.send(msg, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

/** Drops the channel to the parent, so the parent can exit and the daemon runs alone. */
export function disconnectParent(): void {
  if (process.connected) process.disconnect();
}
