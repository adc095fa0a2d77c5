/**
 * The daemons as an operator runs them: `bin/nodepoold` and `bin/nodepool-builder` (built
 * into dist/ by `npm run build`, which `npm test` runs first), started as child processes
 * with a temp pid file and a Python logging.conf writing to a temp file.
 *
 * Each test writes the smallest config both daemons run with: no clouds, no labels (so no
 * build or launch starts), the shared test ZooKeeper under a chroot of its own, and for
 * nodepoold a SQLite database in the test's temp dir.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { makeTestChroot } from '../../support/zookeeper.js';
import type { TestChroot } from '../../support/zookeeper.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const DEAD_PID = 99_999_999;
const zk = sharedZooKeeper();
if (zk.address === null) {
  process.stderr.write(`SKIPPED daemon tests that need a running daemon: ${zk.reason}\n`);
}
/** Tests that run a daemon up to "is running": both daemons connect to ZooKeeper. */
const itRuns = it.skipIf(zk.address === null);

let dir: string;
/** This test's config (written in the test's temp dir). */
let CONFIG: string;
let chroot: TestChroot | null = null;
let started: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-daemon-'));
  CONFIG = join(dir, 'nodepool.yaml');
  if (zk.address !== null) {
    chroot = makeTestChroot([zk.address]);
    writeFileSync(
      CONFIG,
      [
        `images-dir: ${join(dir, 'images')}`,
        'zookeeper-servers:',
        `  - host: ${zk.address.host}`,
        `    port: ${zk.address.port}`,
        `    chroot: ${chroot.path}`,
        'providers: []',
        'labels: []',
        '',
      ].join('\n'),
    );
  }
  writeFileSync(
    join(dir, 'secure.conf'),
    `[database]\ndburi=sqlite:///${join(dir, 'nodepool.sqlite')}\n`,
  );
  writeFileSync(
    join(dir, 'logging.conf'),
    [
      '[loggers]',
      'keys=root,nodepool',
      '[handlers]',
      'keys=file',
      '[formatters]',
      'keys=simple',
      '[logger_root]',
      'level=WARNING',
      'handlers=file',
      '[logger_nodepool]',
      'level=DEBUG',
      'handlers=file',
      'qualname=nodepool',
      'propagate=0',
      '[handler_file]',
      'class=handlers.WatchedFileHandler',
      'formatter=simple',
      `args=('${dir}/nodepool.log',)`,
      '[formatter_simple]',
      // JSON lines, which these tests read back; text lines are tested in logging.test.ts.
      'class=pythonjsonlogger.jsonlogger.JsonFormatter',
    ].join('\n'),
  );
  started = [];
});

afterEach(async () => {
  for (const pid of started) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
  await chroot?.remove();
  chroot = null;
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(bin: 'nodepoold' | 'nodepool-builder', args: string[]): Run {
  const child = spawn(process.execPath, [join(ROOT, 'bin', bin), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir,
  });
  if (child.pid !== undefined) started.push(child.pid);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

function logRecords(): Record<string, any>[] {
  const file = join(dir, 'nodepool.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

function logged(msg: string | RegExp, pid?: number): Promise<Record<string, any>> {
  return waitFor(
    () =>
      logRecords().find(
        (r) =>
          (typeof msg === 'string' ? r.msg === msg : msg.test(r.msg)) &&
          (pid === undefined || r.pid === pid),
      ),
    { what: `log line "${String(msg)}"`, timeoutMs: 20_000 },
  );
}

function pidOf(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

const daemonArgs = (extra: string[] = []): string[] => [
  '-c',
  CONFIG,
  '-s',
  join(dir, 'secure.conf'),
  '-p',
  join(dir, 'nodepoold.pid'),
  '-l',
  join(dir, 'logging.conf'),
  '--web-address',
  '127.0.0.1:0',
  ...extra,
];

describe('nodepoold', () => {
  itRuns(
    'runs in the foreground with -d, writes its pid file, logs, and stops with status 0 on SIGINT',
    async () => {
      const r = run('nodepoold', daemonArgs(['-d']));
      await logged('nodepoold is running');
      expect(pidOf(join(dir, 'nodepoold.pid'))).toBe(r.child.pid);
      await logged('Loaded config ' + CONFIG);
      const warning = await logged(/^Note: nodepool no longer automatically builds images/);
      expect(warning).toMatchObject({ name: 'nodepool.cmd.nodepoold', level: 40 });
      r.child.kill('SIGINT');
      expect(await r.exit).toBe(0);
      expect(existsSync(join(dir, 'nodepoold.pid'))).toBe(false);
      expect(logRecords().at(-1)?.msg).toBe('Exiting with status 0');
    },
  );

  itRuns('serves the status web app on --web-address', async () => {
    const r = run('nodepoold', daemonArgs(['-d']));
    const rec = await logged(/^Web app listening on /, r.child.pid);
    const url = String(rec.msg).replace('Web app listening on ', '');
    const res = await fetch(new URL('/label-list.json', url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    expect((await fetch(new URL('/no-such-page', url))).status).toBe(404);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  it('refuses a bad --web-address as a usage error', async () => {
    const r = run('nodepoold', ['--web-address', 'nowhere:99999', '-d']);
    expect(await r.exit).toBe(2);
  });

  itRuns('stops gracefully on SIGTERM and SIGUSR1 too', async () => {
    for (const signal of ['SIGTERM', 'SIGUSR1'] as const) {
      const r = run('nodepoold', daemonArgs(['-d']));
      await logged('nodepoold is running', r.child.pid);
      r.child.kill(signal);
      expect(await r.exit).toBe(0);
      await logged(`Received ${signal}: stopping`, r.child.pid);
    }
  });

  itRuns('writes a diagnostic report to the log on SIGUSR2', async () => {
    const r = run('nodepoold', daemonArgs(['-d']));
    await logged('nodepoold is running');
    r.child.kill('SIGUSR2');
    const report = await logged('Diagnostic report');
    expect(report.name).toBe('nodepool.stack_dump');
    expect(Object.keys(report.diagnostics)).toEqual(
      expect.arrayContaining([
        'eventLoopDelayMs',
        'memory',
        'activeResources',
        'nodeReport',
        'services',
      ]),
    );
    expect(report.diagnostics.memory.rss).toBeGreaterThan(0);
    expect(report.diagnostics.nodeReport.pid).toBe(r.child.pid);
    const services = report.diagnostics.services as Array<{ service: string; diagnostics: any }>;
    const launcher = services.find((s) => s.service === 'LauncherPool');
    expect(launcher).toMatchObject({
      state: 'running',
      diagnostics: { state: 'running', config: { path: CONFIG } },
    });
    expect(launcher!.diagnostics.config.loads).toBeGreaterThanOrEqual(1);
    // The fake cloud of `auth-url: fake` starts only for such a provider: none here.
    expect(services.find((s) => s.service === 'FakeCloudDriver')).toMatchObject({
      state: 'running',
      diagnostics: { cloud: null },
    });
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  itRuns(
    'detaches without -d: the pid file names the daemon, which runs in / and stops on SIGINT',
    async () => {
      const r = run('nodepoold', daemonArgs());
      expect(await r.exit).toBe(0);
      expect(r.stderr()).toBe('');
      const pid = pidOf(join(dir, 'nodepoold.pid'));
      started.push(pid);
      expect(pid).not.toBe(r.child.pid);
      expect(isAlive(pid)).toBe(true);
      expect(readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
      await logged('nodepoold is running', pid);
      process.kill(pid, 'SIGINT');
      await waitFor(() => !isAlive(pid), { what: 'the daemon to exit' });
      expect(existsSync(join(dir, 'nodepoold.pid'))).toBe(false);
      expect((await logged('Exiting with status 0', pid)).pid).toBe(pid);
    },
  );

  itRuns('replaces a stale pid file', async () => {
    writeFileSync(join(dir, 'nodepoold.pid'), `${DEAD_PID}\n`);
    const r = run('nodepoold', daemonArgs(['-d']));
    await logged('nodepoold is running');
    expect(pidOf(join(dir, 'nodepoold.pid'))).toBe(r.child.pid);
    await logged(`Removed stale pid file ${join(dir, 'nodepoold.pid')} (pid ${DEAD_PID})`);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });

  it('refuses to start when the pid file names a live process, in both modes', async () => {
    writeFileSync(join(dir, 'nodepoold.pid'), `${process.pid}\n`);
    const expected = `nodepoold: Cannot start: pid file "${join(dir, 'nodepoold.pid')}" names process ${process.pid}, which is running\n`;
    const fg = run('nodepoold', daemonArgs(['-d']));
    expect(await fg.exit).toBe(1);
    expect(fg.stderr()).toBe(expected);
    const bg = run('nodepoold', daemonArgs());
    expect(await bg.exit).toBe(1);
    expect(bg.stderr()).toBe(expected);
    expect(pidOf(join(dir, 'nodepoold.pid'))).toBe(process.pid);
  });

  it('reports a bad logging config on the terminal, also when detaching', async () => {
    writeFileSync(join(dir, 'logging.conf'), '[loggers]\nkeys=root\n[logger_root]\nlevel=LOUD\n');
    for (const extra of [['-d'], []]) {
      const r = run('nodepoold', daemonArgs(extra));
      expect(await r.exit).toBe(2);
      expect(r.stderr()).toContain(
        `Cannot load logging config "${join(dir, 'logging.conf')}": [logger_root] level (line 4): unknown level "LOUD"`,
      );
    }
    expect(existsSync(join(dir, 'nodepoold.pid'))).toBe(false);
  });

  it('prints its version and help', async () => {
    const v = run('nodepoold', ['--version']);
    expect(await v.exit).toBe(0);
    expect(v.stdout()).toBe('Nodepool version: 0.4.0\n');
    const h = run('nodepoold', ['--help']);
    expect(await h.exit).toBe(0);
    for (const flag of [
      '-c',
      '-s',
      '-d',
      '-l',
      '-p',
      '--no-builder',
      '--build-workers',
      '--upload-workers',
      '--no-deletes',
      '--no-launches',
      '--no-webapp',
      '--version',
    ]) {
      expect(h.stdout()).toMatch(new RegExp(`(^|[ ,])${flag}[ ,]`, 'm'));
    }
  });

  it('rejects a worker count that is not an integer with status 2', async () => {
    const r = run('nodepoold', ['--build-workers', 'two', '-d']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain(
      `option '--build-workers <n>' argument 'two' is invalid. expected an integer: current value is "two"`,
    );
  });

  itRuns('warns that --no-builder is deprecated', async () => {
    const r = run(
      'nodepoold',
      daemonArgs(['-d', '--no-builder', '--no-webapp', '--no-deletes', '--no-launches']),
    );
    await logged(/^--no-builder is deprecated/);
    const starting = await logged('Starting the launcher');
    expect(starting).toMatchObject({
      name: 'nodepool.NodePool',
      noDeletes: true,
      noLaunches: true,
    });
    await logged('nodepoold is running');
    expect(logRecords().some((r) => /^Web app /.test(String(r.msg)))).toBe(false);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
  });
});

describe('nodepool-builder', () => {
  const builderArgs = (extra: string[] = []): string[] => [
    '-c',
    CONFIG,
    '-p',
    join(dir, 'builder.pid'),
    '-l',
    join(dir, 'logging.conf'),
    ...extra,
  ];

  itRuns('runs with -d, writes its pid file, logs, and stops with status 0 on SIGINT', async () => {
    const r = run(
      'nodepool-builder',
      builderArgs(['-d', '--build-workers', '2', '--upload-workers', '3']),
    );
    await logged('nodepool-builder is running');
    expect(pidOf(join(dir, 'builder.pid'))).toBe(r.child.pid);
    expect(await logged('Builder workers started')).toMatchObject({
      name: 'nodepool.builder.NodePoolBuilder',
      buildWorkers: 2,
      uploadWorkers: 3,
    });
    r.child.kill('SIGUSR2');
    const services = (await logged('Diagnostic report')).diagnostics.services as Array<{
      service: string;
      diagnostics: any;
    }>;
    const service = services.find((s) => s.service === 'NodePoolBuilder')!;
    expect(service).toMatchObject({
      service: 'NodePoolBuilder',
      state: 'running',
      diagnostics: { zookeeper: { state: 'connected' } },
    });
    expect(service.diagnostics.workers.map((w: { name: string }) => w.name)).toEqual([
      'BuildWorker.0',
      'BuildWorker.1',
      'UploadWorker.0',
      'UploadWorker.1',
      'UploadWorker.2',
      'CleanupWorker',
    ]);
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
    expect(existsSync(join(dir, 'builder.pid'))).toBe(false);
  });

  itRuns('stops gracefully on SIGTERM and SIGUSR1 too', async () => {
    for (const signal of ['SIGTERM', 'SIGUSR1'] as const) {
      const r = run('nodepool-builder', builderArgs(['-d']));
      await logged('nodepool-builder is running', r.child.pid);
      r.child.kill(signal);
      expect(await r.exit).toBe(0);
      await logged(`Received ${signal}: stopping`, r.child.pid);
    }
  });

  itRuns('detaches without -d and stops on SIGINT', async () => {
    const r = run('nodepool-builder', builderArgs());
    expect(await r.exit).toBe(0);
    const pid = pidOf(join(dir, 'builder.pid'));
    started.push(pid);
    await logged('nodepool-builder is running', pid);
    process.kill(pid, 'SIGINT');
    await waitFor(() => !isAlive(pid), { what: 'the builder to exit' });
    expect(existsSync(join(dir, 'builder.pid'))).toBe(false);
  });

  it('refuses to start without images-dir or zookeeper-servers, in both modes', async () => {
    writeFileSync(join(dir, 'no-images.yaml'), 'zookeeper-servers:\n  - host: 127.0.0.1\n');
    writeFileSync(join(dir, 'no-zk.yaml'), 'images-dir: /var/tmp/x\n');
    for (const extra of [['-d'], []]) {
      const a = run('nodepool-builder', [...builderArgs(extra), '-c', join(dir, 'no-images.yaml')]);
      expect(await a.exit).toBe(1);
      expect(a.stderr()).toBe('nodepool-builder: No images-dir specified in config.\n');
      const b = run('nodepool-builder', [...builderArgs(extra), '-c', join(dir, 'no-zk.yaml')]);
      expect(await b.exit).toBe(1);
      expect(b.stderr()).toBe('nodepool-builder: No ZooKeeper servers specified in config.\n');
    }
    expect(existsSync(join(dir, 'builder.pid'))).toBe(false);
  });

  it('prints its version and help, and rejects a bad worker count', async () => {
    const v = run('nodepool-builder', ['--version']);
    expect(await v.exit).toBe(0);
    expect(v.stdout()).toBe('Nodepool version: 0.4.0\n');
    const h = run('nodepool-builder', ['--help']);
    expect(await h.exit).toBe(0);
    for (const flag of ['-c', '-l', '-p', '-d', '--build-workers', '--upload-workers']) {
      expect(h.stdout()).toMatch(new RegExp(`(^|[ ,])${flag}[ ,]`, 'm'));
    }
    const bad = run('nodepool-builder', ['--upload-workers', '1.5']);
    expect(await bad.exit).toBe(2);
  });
});
