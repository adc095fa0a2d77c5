import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearStalePidfile, Pidfile, readPidfile } from '../../../src/cmd/pidfile.js';

/** Above Linux's largest pid_max (2^22), so never a live process. */
const DEAD_PID = 99_999_999;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-pid-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Pidfile', () => {
  it('writes our pid with a newline, creating the directory, and removes it on release', () => {
    const path = join(dir, 'run', 'nodepool.pid');
    const p = Pidfile.acquire(path);
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    expect(p.replacedPid).toBeNull();
    p.release();
    expect(existsSync(path)).toBe(false);
  });

  it('replaces a stale pid file', () => {
    const path = join(dir, 'nodepool.pid');
    writeFileSync(path, `${DEAD_PID}\n`);
    const p = Pidfile.acquire(path);
    expect(p.replacedPid).toBe(DEAD_PID);
    expect(readPidfile(path)).toBe(process.pid);
    p.release();
  });

  it('replaces a pid file holding garbage', () => {
    const path = join(dir, 'nodepool.pid');
    writeFileSync(path, 'not a pid');
    Pidfile.acquire(path).release();
  });

  it('refuses a pid file naming a live process', () => {
    const path = join(dir, 'nodepool.pid');
    writeFileSync(path, `${process.ppid}\n`);
    expect(() => Pidfile.acquire(path)).toThrow(
      expect.objectContaining({ code: 'ERR_PIDFILE_LOCKED', details: { path, pid: process.ppid } }),
    );
    expect(() => clearStalePidfile(path)).toThrow(
      `Cannot start: pid file "${path}" names process ${process.ppid}, which is running`,
    );
    expect(readPidfile(path)).toBe(process.ppid);
  });

  it('leaves a pid file that another process took over on release', () => {
    const path = join(dir, 'nodepool.pid');
    const p = Pidfile.acquire(path);
    writeFileSync(path, `${DEAD_PID}\n`);
    p.release();
    expect(readPidfile(path)).toBe(DEAD_PID);
  });
});
