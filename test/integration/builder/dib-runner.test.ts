/**
 * runDib with real child processes: output to the log file, exit statuses, time limit,
 * abandon (the whole process group goes), a missing executable; and, when Debian's
 * diskimage-builder is installed, that the real `disk-image-create` accepts our command line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dibCommand, runDib } from '../../../src/builder/index.js';
import type { CompiledDiskImage } from '../../../src/config/index.js';
import { captureLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { FAKE_DIB } from './helpers.js';

const FIXTURE_ENV = {
  TMPDIR: '/opt/dib_tmp',
  DIB_IMAGE_CACHE: '/opt/dib_cache',
  DIB_CLOUD_IMAGES:
    'http://download.fedoraproject.org/pub/fedora/linux/releases/test/21-Beta/Cloud/Images/x86_64/',
  BASE_IMAGE_FILE: 'Fedora-Cloud-Base-20141029-21_Beta.x86_64.qcow2',
};

function diskimage(over: Partial<CompiledDiskImage> = {}): CompiledDiskImage {
  return {
    name: 'fake-image',
    elements: ['fedora', 'vm'],
    release: '21',
    rebuildAgeMs: 86_400_000,
    envVars: FIXTURE_ENV,
    pause: false,
    imageTypes: ['qcow2'],
    ...over,
  };
}

/** True while `pid` runs (a zombie, killed but not yet reaped, counts as gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const REAL_DIB = spawnSync('sh', ['-c', 'command -v disk-image-create'], {
  encoding: 'utf8',
}).stdout.trim();
const realDibReason =
  REAL_DIB === ''
    ? 'disk-image-create is not installed (apt-get install python3-diskimage-builder)'
    : null;
if (realDibReason !== null)
  process.stderr.write(`SKIPPED real disk-image-create check: ${realDibReason}\n`);

describe('runDib', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-dib-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs dib to a ready output and streams every line to the log and the log file', async () => {
    const cmd = dibCommand({
      dibCmd: FAKE_DIB,
      diskimage: diskimage({ imageTypes: ['qcow2', 'raw'] }),
      imagesDir: dir,
      buildId: '0000000007',
    });
    const logs = captureLog();
    const logFile = path.join(dir, 'logs', 'fake-image-0000000007.log');
    const result = await runDib(cmd, { log: logs.log, logFile });
    expect(result).toEqual({ outcome: 'exited', exitCode: 0, exitSignal: null });
    for (const t of ['qcow2', 'raw'])
      expect(existsSync(path.join(dir, `fake-image-0000000007.${t}`))).toBe(true);
    const text = readFileSync(logFile, 'utf8');
    expect(text).toContain('*** fake-image-create: start');
    expect(text).toContain(' -> qemu-img-options: compat=0.10');
    expect(logs.find('fake-image-create: done')).toHaveLength(1);
  });

  it('reports a non-zero exit status (SHOULD_FAIL) and a bad environment', async () => {
    const failing = dibCommand({
      dibCmd: FAKE_DIB,
      diskimage: diskimage({ envVars: { ...FIXTURE_ENV, SHOULD_FAIL: 'true' } }),
      imagesDir: dir,
      buildId: '0000000001',
    });
    expect(await runDib(failing, { log: captureLog().log })).toMatchObject({
      outcome: 'exited',
      exitCode: 127,
    });
    const noRelease = dibCommand({
      dibCmd: FAKE_DIB,
      diskimage: diskimage({ release: '' }),
      imagesDir: dir,
      buildId: '0000000002',
    });
    const logs = captureLog();
    expect(await runDib(noRelease, { log: logs.log })).toMatchObject({ exitCode: 1 });
    expect(logs.find('DIB_RELEASE not set correctly')).toHaveLength(1);
  });

  it('kills dib and everything it started when the build is abandoned', async () => {
    const cmd = dibCommand({
      dibCmd: FAKE_DIB,
      diskimage: diskimage(),
      imagesDir: dir,
      buildId: '0000000003',
      baseEnv: { ...process.env, FAKE_DIB_SLEEP: '60', FAKE_DIB_CHILD: '1' },
    });
    const logs = captureLog();
    const abort = new AbortController();
    const running = runDib(cmd, { log: logs.log, signal: abort.signal, killGraceMs: 2000 });
    const line = await waitFor(() => logs.find('started helper process')[0], {
      what: 'the helper process',
    });
    const helper = Number(/process (\d+)/.exec(line.msg)?.[1]);
    expect(isAlive(helper)).toBe(true);
    abort.abort(new Error('stop'));
    const result = await running;
    expect(result.outcome).toBe('aborted');
    await waitFor(() => !isAlive(helper), { what: 'the helper to be gone' });
  });

  it('kills dib when it runs out of time', async () => {
    const cmd = dibCommand({
      dibCmd: FAKE_DIB,
      diskimage: diskimage(),
      imagesDir: dir,
      buildId: '0000000004',
      baseEnv: { ...process.env, FAKE_DIB_SLEEP: '60' },
    });
    const result = await runDib(cmd, { log: captureLog().log, timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: 'timeout', exitCode: null, exitSignal: 'SIGTERM' });
  });

  it('throws ERR_BUILDER when dib cannot be executed', async () => {
    const cmd = dibCommand({
      dibCmd: path.join(dir, 'no-such-dib'),
      diskimage: diskimage(),
      imagesDir: dir,
      buildId: '0000000005',
    });
    const err = await runDib(cmd, { log: captureLog().log }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_BUILDER' });
    expect((err as Error).message).toMatch(
      /^Failed to exec '.*no-such-dib -x -t qcow2 .*'\. Error: 'ENOENT'$/,
    );
  });

  it.skipIf(realDibReason !== null)(
    'has its command line accepted by the real disk-image-create',
    async () => {
      const cmd = dibCommand({
        dibCmd: REAL_DIB,
        diskimage: diskimage({ imageTypes: ['qcow2', 'vhd'] }),
        imagesDir: dir,
        buildId: '0000000006',
      });
      // dib's getopt rejects any unknown option or missing argument before doing anything;
      // a trailing --help then makes it print its usage and exit 0 after parsing ours.
      const ok = spawnSync(cmd.argv[0] ?? '', [...cmd.argv.slice(1), '--help'], {
        env: cmd.env,
        encoding: 'utf8',
      });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('Usage: disk-image-create');
      const bad = spawnSync(
        cmd.argv[0] ?? '',
        [...cmd.argv.slice(1), '--no-such-option', '--help'],
        { env: cmd.env, encoding: 'utf8' },
      );
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("unrecognized option '--no-such-option'");
    },
  );
});
