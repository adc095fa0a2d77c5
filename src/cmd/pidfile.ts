/**
 * Pid files, compatible with upstream's (python-daemon's PIDLockFile: the pid and a newline).
 * A file naming a dead process is stale and replaced; one naming a live process refuses the
 * start, so two daemons never share a pid file.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NodepoolError } from '../errors.js';

/** The pid file names a running process (ERR_PIDFILE_LOCKED, exit status 1). */
function pidfileLocked(path: string, pid: number): NodepoolError {
  return new NodepoolError(
    `Cannot start: pid file "${path}" names process ${pid}, which is running`,
    {
      code: 'ERR_PIDFILE_LOCKED',
      details: { path, pid },
    },
  );
}

/** The pid file cannot be written or read (ERR_PIDFILE). */
function pidfileError(message: string, path: string, cause: unknown): NodepoolError {
  return new NodepoolError(message, { code: 'ERR_PIDFILE', cause, details: { path } });
}

/** The pid in a pid file; `null` when the file is missing, empty or not a pid. */
export function readPidfile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw pidfileError(`Cannot read pid file "${path}": ${(err as Error).message}`, path, err);
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Checks a pid file before starting: removes it when stale (or unreadable garbage) and
 * returns the stale pid, if any.
 * @throws NodepoolError (ERR_PIDFILE_LOCKED) when it names a live process other than `self`
 */
export function clearStalePidfile(
  path: string,
  self: number = process.pid,
): { stalePid: number | null } {
  const pid = readPidfile(path);
  if (pid !== null && pid !== self && isProcessAlive(pid)) throw pidfileLocked(path, pid);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw pidfileError(
        `Cannot remove stale pid file "${path}": ${(err as Error).message}`,
        path,
        err,
      );
    }
    return { stalePid: null };
  }
  return { stalePid: pid };
}

/** A pid file this process holds. */
export class Pidfile {
  private released = false;

  private constructor(
    readonly path: string,
    readonly pid: number,
    /** Pid of the stale file it replaced, for the log. */
    readonly replacedPid: number | null,
  ) {}

  /**
   * Creates the pid file exclusively, replacing a stale one.
   * @throws NodepoolError (ERR_PIDFILE_LOCKED) when a live process holds it
   * @throws NodepoolError (ERR_PIDFILE) when it cannot be written
   */
  static acquire(path: string, pid: number = process.pid): Pidfile {
    let replaced: number | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, `${pid}\n`, { flag: 'wx', mode: 0o644 });
        return new Pidfile(path, pid, replaced);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' || attempt >= 3) {
          if (err instanceof NodepoolError) throw err;
          throw pidfileError(
            `Cannot write pid file "${path}": ${(err as Error).message}`,
            path,
            err,
          );
        }
        // Another file is there: stale ones go, a live owner refuses us.
        replaced = clearStalePidfile(path, pid).stalePid ?? replaced;
      }
    }
  }

  /** Removes the file if it still holds our pid. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readPidfile(this.path) === this.pid) unlinkSync(this.path);
    } catch {
      // Leaving a pid file behind is harmless: the next start finds it stale.
    }
  }
}
